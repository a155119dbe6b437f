import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { ERROR_CODES } from '../../src/core/errors.js'
import { loadOpenApi, operationsById } from '../../src/openapi/load.js'
import { defaultFixtures } from '../support/server.js'

describe('openapi.yaml and the app', () => {
  it('describe the same routes, both ways', async () => {
    const registered = new Set<string>()
    const app = await createApp({
      fixtures: await defaultFixtures(),
      // Compiles every schema now, so a schema Fastify cannot compile fails here, not on first use.
      compileSchemas: 'eager',
      onApp: (a) => a.addHook('onRoute', (route) => {
        if (route.schema?.hide === true || route.url.startsWith('/docs')) return
        for (const method of [route.method].flat()) registered.add(`${method} ${route.url}`)
      }),
    })
    await app.ready()
    await app.close()
    const documented = new Set<string>()
    for (const { method, path, servers } of operationsById(loadOpenApi()).values()) {
      for (const server of servers) documented.add(`${method.toUpperCase()} ${server}${path.replace(/\{(\w+)\}/g, ':$1')}`)
    }
    expect([...registered].filter((r) => !documented.has(r))).toStrictEqual([])
    expect([...documented].filter((r) => !registered.has(r))).toStrictEqual([])
    expect(registered.size).toBe(5 * 12 + 32)
  })

  it('documents every error code in the README\'s error table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const missing = ERROR_CODES.filter((code) => !new RegExp(`^\\| \`${code}\` \\| \\d{3} \\|`, 'm').test(readme))
    expect(missing).toStrictEqual([])
  })
})
