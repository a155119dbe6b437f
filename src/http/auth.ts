import type { FastifyRequest } from 'fastify'
import { DomainError } from '../core/errors.js'

const BEARER = /^Bearer\s+/i

/**
 * The caller's token: `Authorization: Bearer <token>`, or the raw token as pyokra sends it (D22).
 * A list of accepted tokens, when given, closes the door to every other token.
 */
export function tokenOf (request: FastifyRequest, accepted: ReadonlySet<string> | undefined): string {
  const header = request.headers.authorization
  const token = typeof header === 'string' ? header.replace(BEARER, '').trim() : ''
  if (token === '' || /^bearer$/i.test(token)) {
    throw new DomainError('OKRA_EMU_UNAUTHORIZED', 'Authorization required: send "Authorization: Bearer <your secret key>"')
  }
  if (accepted !== undefined && !accepted.has(token)) {
    throw new DomainError('OKRA_EMU_UNAUTHORIZED', 'The bearer token is not one this emulator accepts')
  }
  return token
}
