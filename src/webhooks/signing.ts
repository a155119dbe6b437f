import { createHmac } from 'node:crypto'

/**
 * The three headers of the Standard Webhooks specification (https://www.standardwebhooks.com):
 * `webhook-signature` is `v1,` and the base64 HMAC-SHA256, keyed by the secret's bytes, of
 * `<id>.<timestamp>.<body>`. The timestamp is wall-clock seconds: receivers refuse one more than
 * five minutes from their own clock, which the emulator's virtual clock may be far from.
 */
export function signatureHeaders (secret: string, id: string, wallSeconds: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const signature = createHmac('sha256', key).update(`${id}.${wallSeconds}.${body}`).digest('base64')
  return { 'webhook-id': id, 'webhook-timestamp': String(wallSeconds), 'webhook-signature': `v1,${signature}` }
}
