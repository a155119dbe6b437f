import { readFileSync } from 'node:fs'
import { createApp } from 'okra-emulator'
import { describe, expect, it } from 'vitest'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('the README', () => {
  it('shows the vitest set-up files exactly as the suite runs them', () => {
    const blocks = [...readme.matchAll(/<!-- file: ([^ ]+) -->\n```ts\n([^]*?)```\n/g)]
    expect(blocks.map((b) => b[1])).toStrictEqual(['test/readme/okra-emulator.setup.ts', 'test/readme/balance-refresh.test.ts'])
    for (const [, path, code] of blocks) {
      expect(code).toBe(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'))
    }
  })

  it('createApp answers inject() as the README shows', async () => {
    const app = await createApp({ clock: { mode: 'frozen' } })
    const answer = await app.inject({ method: 'POST', url: '/v2/balance/getByCustomer', headers: { authorization: 'Bearer t' }, payload: { customer: '65e0fb087fcd5c0200000000' } })
    await app.close()
    expect(answer.statusCode).toBe(200)
    expect(answer.json().data.pagination.totalDocs).toBe(25)
  })
})
