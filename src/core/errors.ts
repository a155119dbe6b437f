/**
 * Domain errors. The core throws these with a stable code and no HTTP knowledge; the HTTP layer
 * (src/http/errors.ts) owns the one table that maps each code to a status.
 */
export const ERROR_CODES = [
  'OKRA_EMU_UNAUTHORIZED',
  'OKRA_EMU_INVALID_JSON',
  'OKRA_EMU_INVALID_FIELD',
  'OKRA_EMU_UNSUPPORTED_MEDIA_TYPE',
  'OKRA_EMU_BODY_TOO_LARGE',
  'OKRA_EMU_REQUEST_TIMEOUT',
  'OKRA_EMU_EXPECTATION_FAILED',
  'OKRA_EMU_ROUTE_NOT_FOUND',
  'OKRA_EMU_METHOD_NOT_ALLOWED',
  'OKRA_EMU_BALANCE_NOT_FOUND',
  'OKRA_EMU_ACCOUNT_NOT_FOUND',
  'OKRA_EMU_RECORD_NOT_FOUND',
  'OKRA_EMU_RECORD_METHOD_MISMATCH',
  'OKRA_EMU_INVALID_TRANSITION',
  'OKRA_EMU_CLOCK_BACKWARDS',
  'OKRA_EMU_BANK_TIMEOUT',
  'OKRA_EMU_BANK_ERROR',
  'OKRA_EMU_WEBHOOK_NOT_FOUND',
  'OKRA_EMU_SNAPSHOT_NOT_FOUND',
  'OKRA_EMU_FAULT_NOT_FOUND',
  'OKRA_EMU_INVALID_SCENARIO',
  'OKRA_EMU_FAULT_INJECTED',
  'OKRA_EMU_RATE_LIMITED',
  'OKRA_EMU_LIMIT_REACHED',
  'OKRA_EMU_TOO_MANY_TENANTS',
  'OKRA_EMU_WAIT_TIMEOUT',
  'OKRA_EMU_ADVANCE_LIMIT',
  'OKRA_EMU_TOO_MANY_WAITS',
  'OKRA_EMU_MANIFEST_MISMATCH',
  'OKRA_EMU_INTERNAL',
] as const

export type ErrorCode = typeof ERROR_CODES[number]

export class DomainError extends Error {
  readonly code: ErrorCode
  /** Extra `data` for Okra's error envelope, when Okra sends one (a failed record's id, say). */
  readonly data: Record<string, unknown> | undefined

  constructor (code: ErrorCode, message: string, data?: Record<string, unknown>) {
    super(message)
    this.name = 'DomainError'
    this.code = code
    this.data = data
  }
}

/** Okra's documented 503 text; the trailing space is Okra's own (okra-api.md §8.1, D26). */
export const BANK_TIMEOUT_MESSAGE = 'Our data source has returned a timeout response. Please retry the request. '

export function invalidField (field: string, problem: string): DomainError {
  return new DomainError('OKRA_EMU_INVALID_FIELD', `Invalid field "${field}": ${problem}`, undefined)
}
