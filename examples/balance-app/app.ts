/**
 * A small web app that integrates Okra balances, as a team would write it: it asks Okra to refresh
 * an account's balance, follows the record at its callback_url, and takes Okra's webhook. It knows
 * nothing of the emulator: its tests point `okraBaseUrl` at one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface BalanceAppOptions {
  /** Okra's base URL, trailing slash included: https://api.okra.ng/v2/ in production. */
  okraBaseUrl: string
  okraToken: string
  /** Standard Webhooks secret (whsec_...); without it, webhooks are taken unsigned. */
  webhookSecret?: string
}

interface KnownBalance {
  ledger: number
  available: number | null
  currency: string
}

/** A refresh the app asked Okra for, by Okra's record id. */
interface Refresh {
  account: string
  callbackUrl: string
  status: 'pending' | 'done' | 'failed'
  message?: string
}

export interface BalanceApp {
  url: string
  /** What the app believes each account holds: what its users would see. */
  balances: Map<string, KnownBalance>
  refreshes: Map<string, Refresh>
  close: () => Promise<void>
}

interface OkraAnswer {
  status: string
  message: string
  data?: Record<string, unknown>
}

export async function startBalanceApp (options: BalanceAppOptions): Promise<BalanceApp> {
  const balances = new Map<string, KnownBalance>()
  const refreshes = new Map<string, Refresh>()
  const verifier = options.webhookSecret === undefined ? null : new Webhook(options.webhookSecret)

  async function okra (path: string, body: unknown): Promise<{ status: number, answer: OkraAnswer }> {
    const response = await fetch(new URL(path, options.okraBaseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${options.okraToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, answer: await response.json() as OkraAnswer }
  }

  async function fetchBalance (account: string): Promise<void> {
    const { answer } = await okra('balance/getByAccount', { account })
    const [balance] = (answer.data?.balance ?? []) as Array<{ ledger_balance: number, available_balance?: number | null, currency: string }>
    if (balance === undefined) return
    balances.set(account, { ledger: balance.ledger_balance, available: balance.available_balance ?? null, currency: balance.currency })
  }

  async function startRefresh (account: string): Promise<{ status: number, body: unknown }> {
    const { status, answer } = await okra('balance/refresh', { account_id: account })
    if (status !== 200) return { status: 502, body: { error: answer.message } }
    const record = String(answer.data?.record)
    refreshes.set(record, { account, callbackUrl: String(answer.data?.callback_url), status: 'pending' })
    return { status: 202, body: { record } }
  }

  /** Asks the callback_url once: Okra answers the record's state, then its result. */
  async function followRefresh (record: string): Promise<Refresh | undefined> {
    const refresh = refreshes.get(record)
    if (refresh === undefined || refresh.status !== 'pending') return refresh
    const response = await fetch(refresh.callbackUrl, { headers: { authorization: `Bearer ${options.okraToken}` } })
    const answer = await response.json() as OkraAnswer
    if (response.status === 200 && answer.status === 'success' && answer.data?.balance !== undefined) {
      await settle(record, 'done')
    } else if (response.status >= 400) {
      await settle(record, 'failed', answer.message)
    }
    return refreshes.get(record)
  }

  /** Once per record: a webhook can arrive twice, or after the app polled the result itself. */
  async function settle (record: string, status: 'done' | 'failed', message?: string): Promise<void> {
    const refresh = refreshes.get(record)
    if (refresh === undefined || refresh.status !== 'pending') return
    refreshes.set(record, { ...refresh, status, ...(message === undefined ? {} : { message }) })
    if (status === 'done') await fetchBalance(refresh.account)
  }

  async function takeWebhook (request: IncomingMessage, raw: string): Promise<number> {
    let event: Record<string, unknown>
    try {
      event = (verifier === null ? JSON.parse(raw) : verifier.verify(raw, headersOf(request))) as Record<string, unknown>
    } catch {
      return 401
    }
    const record = String(event.record)
    if (event.status === 'is_done') await settle(record, 'done')
    else if (event.status === 'is_failed') await settle(record, 'failed', String(event.message))
    return 200
  }

  async function route (request: IncomingMessage, raw: string): Promise<{ status: number, body?: unknown }> {
    const url = new URL(request.url ?? '/', 'http://app')
    const [, first, id, action] = url.pathname.split('/')
    if (request.method === 'POST' && first === 'accounts' && id !== undefined && action === 'refresh') return await startRefresh(id)
    if (request.method === 'GET' && first === 'accounts' && id !== undefined && action === 'balance') {
      const balance = balances.get(id)
      return balance === undefined ? { status: 404 } : { status: 200, body: balance }
    }
    if (request.method === 'GET' && first === 'refreshes' && id !== undefined) {
      const refresh = await followRefresh(id)
      return refresh === undefined ? { status: 404 } : { status: 200, body: refresh }
    }
    if (request.method === 'POST' && first === 'webhooks' && id === 'okra') return { status: await takeWebhook(request, raw) }
    return { status: 404 }
  }

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      route(request, Buffer.concat(chunks).toString('utf8'))
        .then(({ status, body }) => {
          response.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body))
        })
        .catch(() => { response.writeHead(500).end() })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    balances,
    refreshes,
    close: async () => { await new Promise<void>((resolve) => server.close(() => resolve())) },
  }
}

function headersOf (request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value
  return headers
}
