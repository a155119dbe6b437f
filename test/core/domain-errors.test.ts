import { describe, expect, it } from 'vitest'
import { BANK_TIMEOUT_MESSAGE, DomainError, invalidField } from '../../src/core/errors.js'

describe('DomainError', () => {
  it('names itself, so a log line says what was thrown', () => {
    const error = new DomainError('OKRA_EMU_RECORD_NOT_FOUND', 'No record', { record: 'r1' })
    expect([error.name, error.code, error.message, error.data, String(error)])
      .toStrictEqual(['DomainError', 'OKRA_EMU_RECORD_NOT_FOUND', 'No record', { record: 'r1' }, 'DomainError: No record'])
  })

  it('words an invalid field the one way every route answers it', () => {
    const error = invalidField('limit', 'must be a whole number of at least 1')
    expect([error.code, error.message, error.data]).toStrictEqual(['OKRA_EMU_INVALID_FIELD', 'Invalid field "limit": must be a whole number of at least 1', undefined])
  })

  it('keeps Okra\'s 503 text as Okra writes it, trailing space included', () => {
    expect(BANK_TIMEOUT_MESSAGE).toBe('Our data source has returned a timeout response. Please retry the request. ')
  })
})
