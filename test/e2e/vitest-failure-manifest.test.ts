import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it, onTestFinished } from 'vitest'
import { ROOT } from '../support/cli.js'

const account = '65e0fafe7fcd5c0300000000'

/**
 * A test file that fails on purpose, run by a vitest of its own under okra-emulator/vitest's
 * globalSetup. It lives in a temporary folder, so it imports nothing by a bare name (vitest's
 * globals stand in for `import { it } from 'vitest'`, which would not resolve from there).
 */
const failingFile = (elsewhere: string) => `
import { useOkraEmulator } from ${JSON.stringify(join(ROOT, 'src/vitest.ts'))}
const okra = useOkraEmulator()
const second = useOkraEmulator({ manifests: ${JSON.stringify(elsewhere)} })

describe('a suite', () => {
  it('passes', async () => { await okra.admin.advance('1s') })
  it('fails on purpose: "quoted" / slashed', async () => {
    const started = await fetch(okra.okraBaseUrl + 'balance/refresh', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + okra.token, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: ${JSON.stringify(account)} }),
    })
    expect(started.status).toBe(200)
    await second.admin.advance('5s')
    expect('what the test got').toBe('what it wanted')
  })
})
`

it('writes the failing test\'s run manifest beside the test file, or where told, and says where', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'okra-vitest-'))
  onTestFinished(async () => { await rm(dir, { recursive: true, force: true }) })
  const elsewhere = join(dir, 'manifests')
  await writeFile(join(dir, 'failing.check.ts'), failingFile(elsewhere))
  await writeFile(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['*.check.ts'], globals: true, globalSetup: [${JSON.stringify(join(ROOT, 'src/vitest.ts'))}] } }\n`)
  // The child is a vitest of its own, not a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'OKRA_EMULATOR_MANIFESTS'))
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  expect(code, output).toBe(1)

  const beside = join(dir, '__okra__', 'failing.check.ts')
  const name = 'a-suite-fails-on-purpose-quoted-slashed'
  expect(await readdir(beside)).toStrictEqual([`${name}.manifest.json`])
  expect(await readdir(join(elsewhere, 'failing.check.ts'))).toStrictEqual([`${name}.2.manifest.json`])
  expect(output).toContain(`okra-emulator: the run manifest of "a suite > fails on purpose: "quoted" / slashed" is in ${join(beside, `${name}.manifest.json`)}`)

  const first = JSON.parse(await readFile(join(beside, `${name}.manifest.json`), 'utf8'))
  expect(first.format).toBe('okra-emulator/manifest')
  // The file's tenant, as the failure left it: the passing test's advance included.
  expect(first.calls.items.map((c: { method: string, path: string }) => `${c.method} ${c.path}`)).toStrictEqual([
    'POST /__admin/reset', 'POST /__admin/clock/advance', 'POST /v2/balance/refresh',
  ])
  expect(first.state.records.map((r: { account: string, state: string }) => [r.account, r.state])).toStrictEqual([[account, 'running']])
  const second = JSON.parse(await readFile(join(elsewhere, 'failing.check.ts', `${name}.2.manifest.json`), 'utf8'))
  expect(second.calls.items.map((c: { path: string }) => c.path)).toStrictEqual(['/__admin/reset', '/__admin/clock/advance'])
  expect(second.state.records).toStrictEqual([])
}, 120_000)
