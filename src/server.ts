import type { FastifyInstance } from 'fastify'
import { createApp, type AppOptions } from './app.js'
import { AdminClient } from './client.js'
import { DEFAULT_TEST_TOKEN } from './options.js'
import { sinksOf, type WebhookSink, type WebhookSinkOptions } from './webhook-sink.js'

export interface StartOptions extends AppOptions {
  /** 0 (the default here) picks a free port. */
  port?: number
  /** 127.0.0.1 unless said otherwise: a test double has no business on the network. */
  host?: string
  /** The bearer token `admin` acts for: give your Okra client the same one ('test-token' by default). */
  token?: string
}

export interface RunningEmulator {
  /** The server's root, e.g. http://127.0.0.1:41234 */
  url: string
  /** Where to point an Okra client: the `/v2/` base, trailing slash included as okra-node expects. */
  okraBaseUrl: string
  /** The bearer token `admin` acts for. */
  token: string
  /** A typed client of /__admin for `token`'s tenant; `admin.as(other)` acts for another. */
  admin: AdminClient
  app: FastifyInstance
  /**
   * Starts a webhook receiver on 127.0.0.1 and points `token`'s tenant's webhooks at it (README,
   * "In a test suite"). `close()` closes the sinks still open first.
   */
  webhookSink (options?: WebhookSinkOptions): Promise<WebhookSink>
  /** Stops listening once in-flight requests and writes are done. */
  close (): Promise<void>
}

/** Starts the emulator on a port and returns where it listens. */
export async function startEmulator (options: StartOptions = {}): Promise<RunningEmulator> {
  const app = await createApp(options)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const token = options.token ?? DEFAULT_TEST_TOKEN
  const admin = new AdminClient(url, { token, ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }) })
  const sinks = sinksOf(admin)
  return {
    url,
    okraBaseUrl: `${url}/v2/`,
    token,
    admin,
    app,
    webhookSink: sinks.start,
    // Sinks first: a delivery a sink holds would otherwise keep the shutdown waiting its whole grace.
    close: async () => {
      await sinks.closeAll()
      await app.close()
    },
  }
}
