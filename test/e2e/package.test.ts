import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exited, firstLine, ROOT } from '../support/cli.js'

const run = promisify(execFile)
/* The outer `npm test` exports npm_config_* (this repository's loglevel=silent among them): the npm
 * run here must behave as in a user's shell. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
const npm = async (args: string[], cwd: string) => await run('npm', [...args, '--loglevel=error'], { cwd, env, maxBuffer: 64 * 1024 * 1024 })

interface PackedFile { path: string }
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  private?: boolean, license: string, bin: Record<string, string>, main: string, types: string, exports: Record<string, unknown>
}

/** Every file path named in package.json's exports, main, types and bin. */
function namedPaths (): string[] {
  const paths: string[] = [manifest.main, manifest.types, ...Object.values(manifest.bin)]
  const walk = (node: unknown): void => {
    if (typeof node === 'string') paths.push(node)
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk)
  }
  walk(manifest.exports)
  return paths.map((p) => p.replace(/^\.\//, ''))
}

describe('the published package', () => {
  it('is publishable and holds what it means to ship, and nothing else', async () => {
    expect(manifest.private).toBeUndefined()
    expect(manifest.license).toBe('MIT')
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/)
    // --ignore-scripts: the dist/ that npm ci's build left is what is packed; a dry run writes nothing.
    const { stdout } = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT)
    const files = (JSON.parse(stdout) as Array<{ files: PackedFile[] }>)[0]!.files.map((f) => f.path).sort()
    const shipped = [
      /^(LICENSE|README\.md|package\.json|openapi\.yaml)$/,
      /^fixtures\/[a-z.-]+\.json$/,
      /^dist\/(?:cjs\/)?[a-z/-]+\.(?:js|d\.ts)$/,
      /^dist\/cjs\/package\.json$/,
      /^dist\/openapi\/openapi\.json$/,
      // The dashboard's page, served as it is written (no build step).
      /^src\/dashboard\/(?:index\.html|dashboard\.css|dashboard\.js)$/,
    ]
    expect(files.filter((f) => !shipped.some((pattern) => pattern.test(f)))).toStrictEqual([])
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'openapi.yaml', 'fixtures/default.json', 'fixtures/fixture.schema.json', 'dist/openapi/openapi.json', 'dist/cjs/package.json', 'src/dashboard/index.html', 'src/dashboard/dashboard.js', 'src/dashboard/dashboard.css', ...namedPaths()]) {
      expect(files).toContain(needed)
    }
    // The build step and the CLI are not for require(); no tests, sources, maps or benchmarks.
    expect(files.filter((f) => /^dist\/(cjs\/)?openapi\/build\.|^dist\/cjs\/(cli|vitest)\.|\.map$|^(src\/(?!dashboard\/)|test\/|bench\/|scripts\/)/.test(f))).toStrictEqual([])
  })
})

describe('installed from its tarball into a new project', () => {
  let project: string

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'okra-emu-user-'))
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', project], ROOT)
    const tarball = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true }))
    // jest as a user has it: its default configuration, a CommonJS runtime without experimental VM modules.
    await npm(['install', join(project, tarball), 'jest@30.5.2', '--prefer-offline', '--no-audit', '--no-fund'], project)
  }, 120_000)
  afterAll(() => { rmSync(project, { recursive: true, force: true }) })

  it('starts with npx okra-emulator', async () => {
    // Its own process group, signalled as a whole as a terminal's Ctrl-C is: npx runs the bin under a shell.
    const child = spawn('npx', ['okra-emulator', '--port', '0'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    try {
      const url = /^okra-emulator listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(await firstLine(child))![1]!
      const health = await fetch(`${url}/__admin/health`, { headers: { authorization: 'Bearer npx' } })
      expect(health.status).toBe(200)
      expect((await health.json() as { data: { ready: boolean } }).data.ready).toBe(true)
      const done = exited(child)
      process.kill(-child.pid!, 'SIGINT')
      await done
      // npm passes the signal on as its own exit; what matters is that nothing of the group is left.
      expect(() => process.kill(-child.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL') } catch {} // all gone, as it should be
    }
  })

  it("loads in Jest's default CommonJS runtime, and starts the emulator there", async () => {
    writeFileSync(join(project, 'emulator.test.js'), `
const { startEmulator } = require('okra-emulator')
const { AdminClient } = require('okra-emulator/client')

test('answers through the emulator', async () => {
  const emulator = await startEmulator({ clock: { mode: 'frozen' } })
  try {
    const answer = await fetch(emulator.okraBaseUrl + 'balance/getByCustomer', {
      method: 'POST',
      headers: { authorization: 'Bearer jest', 'content-type': 'application/json' },
      body: JSON.stringify({ customer: '65e0fb087fcd5c0200000000' }),
    })
    expect((await answer.json()).data.pagination.totalDocs).toBe(25)
    expect((await new AdminClient(emulator.url, { token: 'jest' }).clock()).mode).toBe('frozen')
  } finally {
    await emulator.close()
  }
})
`)
    const { stderr } = await run(join(project, 'node_modules/.bin/jest'), ['--ci', '--testTimeout', '60000', '--cacheDirectory', join(project, '.jest-cache')], { cwd: project, env })
    expect(stderr).toMatch(/Tests:\s+1 passed, 1 total/)
  })

  it('loads as an ES module, the client alone too', async () => {
    const script = "const m = await import('okra-emulator'); const c = await import('okra-emulator/client'); console.log(typeof m.startEmulator, m.AdminClient === c.AdminClient)"
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env })
    expect(stdout).toBe('function true\n')
  })
})
