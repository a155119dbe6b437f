import { expect } from 'vitest'
import { fx } from './fixture-values.js'

/** What came back over the socket. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

const DEFAULT_MESSAGE = 'Balance retrieved succesfully'

/** One page of `ids` (ordered as the emulator orders them), as the mongoose-paginate block and the list a client reads. */
export function expectPage (answer: Answer, ids: string[], { page = 1, limit = 10, key = 'balance', message = DEFAULT_MESSAGE } = {}) {
  const totalPages = Math.max(1, Math.ceil(ids.length / limit))
  expect([answer.status, answer.json.status, answer.json.message]).toStrictEqual([200, 'success', message])
  expect(answer.json.data.pagination).toStrictEqual({
    totalDocs: ids.length,
    limit,
    hasPrevPage: page > 1,
    hasNextPage: page < totalPages,
    page,
    totalPages,
    pagingCounter: (page - 1) * limit + 1,
    prevPage: page > 1 ? page - 1 : null,
    nextPage: page < totalPages ? page + 1 : null,
  })
  expect(answer.json.data[key].map((b: { _id: string }) => b._id)).toStrictEqual(ids.slice((page - 1) * limit, page * limit))
}

/** getById's one balance, with the fields every client's README shows it reading. */
export function expectTheBalance (answer: Answer) {
  expectPage(answer, [fx.balance._id], { limit: 1 })
  const [read] = answer.json.data.balance
  expect([read.account._id, read.ledger_balance, read.available_balance]).toStrictEqual([fx.account, fx.balance.ledger_balance, fx.balance.available_balance])
}

/** A refresh or check that started: the record to poll and where. */
export function expectStarted (answer: Answer, prefix: string, method: 'BALANCE' | 'CHECK_BALANCE') {
  expect([answer.status, answer.json.status, answer.json.message]).toStrictEqual([200, 'success', 'Balance checking...'])
  const { record, callback_url: callbackUrl } = answer.json.data
  expect(record).toMatch(/^[0-9a-f]{24}$/)
  expect(answer.json.data.method).toBe(method)
  expect(callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
  expect(new URL(callbackUrl).pathname + new URL(callbackUrl).search).toBe(`${prefix}/callback?record=${record}&method=${method}`)
}

/** The answer to a body the client meant as JSON but wrote in another form. */
export function expectNotJson (answer: Answer) {
  expect([answer.status, answer.text]).toStrictEqual([400, '{"status":"error","message":"The request body is not valid JSON"}'])
}

/**
 * Go's encoding/json decoding into a typed struct: a value of the wrong JSON kind for its field (a
 * fraction into an int, an object into a string, an array into a bool) makes Unmarshal return an
 * error, which OkraGo hands back instead of the answer. null fits anything; unknown keys are ignored.
 */
export type GoType = 'string' | 'int' | 'float64' | 'bool' | 'time' | 'any' | [GoType] | { [key: string]: GoType }

export function goDecodeErrors (value: unknown, type: GoType, path = '$'): string[] {
  if (value === null || type === 'any') return []
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return [`${path}: not an array`]
    return value.flatMap((item, i) => goDecodeErrors(item, type[0], `${path}[${i}]`))
  }
  if (typeof type === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`]
    const record = value as Record<string, unknown>
    return Object.entries(type).flatMap(([key, field]) => key in record ? goDecodeErrors(record[key], field, `${path}.${key}`) : [])
  }
  const fits = {
    string: typeof value === 'string',
    int: Number.isInteger(value),
    float64: typeof value === 'number',
    bool: typeof value === 'boolean',
    time: typeof value === 'string' && !Number.isNaN(Date.parse(value)),
  }[type]
  return fits ? [] : [`${path}: ${JSON.stringify(value)} into ${type}`]
}
