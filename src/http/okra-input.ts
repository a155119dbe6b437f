import type { FastifyRequest } from 'fastify'

type Fields = Record<string, unknown>

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A form-encoded body as an object of strings; a repeated key keeps its last value, as a JSON object would. */
export function parseForm (text: string): Fields {
  return Object.fromEntries(new URLSearchParams(text))
}

/**
 * OkraGo sends `"account_id":""` beside `"account"`, and `"page":""`: Okra's Express reads an empty
 * string as no value, so it is dropped here and the field answers as if it were not sent.
 */
function present (fields: Fields): Fields {
  const kept: Fields = {}
  for (const [key, value] of Object.entries(fields)) if (value !== '') kept[key] = value
  return kept
}

/**
 * What an Okra route validates: the body with the query string merged under it (okra-node 0.1 sends
 * its filters as a query string on a POST, D23), empty strings left out. Run before validation.
 */
export async function okraInput (request: FastifyRequest): Promise<void> {
  const query = request.query as Fields
  const { body } = request
  if (body !== undefined && body !== null && !isFields(body)) return // validation names what is wrong
  const merged = { ...present(query), ...present(body ?? {}) }
  if (body === undefined && Object.keys(merged).length === 0) return
  request.body = merged
}
