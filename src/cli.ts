#!/usr/bin/env node
import { createWriteStream, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { pipeline } from 'node:stream/promises'
import { loggerFor } from './http/logging.js'
import { helpText, resolveOptions, UsageError, type GenerateCommand, type ServeCommand } from './options.js'
import { StoreError } from './persistence/errors.js'
import { startEmulator } from './server.js'

/*
 * The fixture generator, and faker under it, is imported only by `generate`: loading faker took
 * ~130 ms of every server start, which never uses it. Likewise the fixture loader, and Ajv under it
 * (~40 ms), only for a file named with --fixtures (the bundled one is read by createApp).
 */
const loadGenerator = async () => await import('./dataset/generate.js')
const loadFixtureLoader = async () => await import('./dataset/load.js')

async function generate ({ generate: options, out }: GenerateCommand): Promise<void> {
  const { generateFixtureChunks } = await loadGenerator()
  // Streamed: a million balances is more JSON than one string can hold.
  const chunks = Readable.from(generateFixtureChunks(options))
  if (out === undefined) await pipeline(chunks, process.stdout, { end: false })
  else {
    await pipeline(chunks, createWriteStream(out)).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${out} (${error.code ?? error.message})`)
    })
  }
}

/** What listen's system errors mean to someone who typed --port and --host. */
function listenProblem (error: NodeJS.ErrnoException, { port, host }: ServeCommand['start']): string | undefined {
  switch (error.code) {
    case 'EADDRINUSE': return `port ${port} on ${host} is already in use (--port 0 picks a free one)`
    case 'EACCES': return `no permission to listen on port ${port} (ports below 1024 need privileges)`
    case 'EADDRNOTAVAIL': return `--host ${host} is not an address of this machine`
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': return `--host ${host} does not resolve to an address`
    default: return undefined
  }
}

/**
 * V8 sizes its heap to the machine's memory (a 4 GB limit on 24 GB), and under steady load it let the
 * heap grow to several times the live data: a 10-minute soak went from 243 to 674 MB RSS with under
 * 128 MB live (bench/RESULTS.md, "Soak"). Optimising for size makes it collect and compact sooner and
 * give pages back, with no limit that a large fixture could hit (as --max-old-space-size would) and
 * no second process to start. Read at each collection, so it works when set after start-up. Anyone
 * who tunes the heap themselves (NODE_OPTIONS or node's own flags) is left alone.
 */
function preferSmallHeap (env: NodeJS.ProcessEnv): void {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ')
  if (!/--(max[-_]old[-_]space[-_]size|optimize[-_]for[-_]size|max[-_]semi[-_]space[-_]size)/.test(given)) setFlagsFromString('--optimize-for-size')
}

async function serve (command: ServeCommand, env: NodeJS.ProcessEnv): Promise<void> {
  preferSmallHeap(env)
  // Without --fixtures the app reads its bundled default itself (createApp).
  const path = command.fixturesPath
  const fixtures = path === undefined ? undefined : await (await loadFixtureLoader()).loadDataset(path)
  const emulator = await startEmulator({ ...command.start, ...(fixtures === undefined ? {} : { fixtures }), logger: loggerFor(command.logLevel) })
    .catch((error: NodeJS.ErrnoException) => {
      const problem = listenProblem(error, command.start)
      throw problem === undefined ? error : new UsageError(problem)
    })
  const { customers, accounts, balances } = emulator.app.dataset.stats
  process.stdout.write(`okra-emulator listening on ${emulator.url} (Okra base ${emulator.okraBaseUrl}; dashboard ${emulator.url}/; ` +
    `${path ?? 'fixtures/default.json'}: ${customers} customers, ${accounts} accounts, ${balances} balances)\n`)

  // Graceful: stop accepting, let in-flight requests (and the writes they wait on) finish, then exit.
  let closing = false
  const shutdown = (): void => {
    if (closing) return
    closing = true
    emulator.close().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`okra-emulator: could not shut down cleanly: ${String(error)}\n`)
      process.exit(1)
    })
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

export async function main (argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const command = await resolveOptions(argv, env)
    switch (command.kind) {
      case 'help': process.stdout.write(helpText(command.defaults)); break
      case 'version': process.stdout.write(`${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`); break
      case 'generate': await generate(command); break
      case 'serve': await serve(command, env); break
    }
    return 0
  } catch (error) {
    if (error instanceof UsageError || error instanceof StoreError || error instanceof (await loadFixtureLoader()).FixtureError) {
      process.stderr.write(`okra-emulator: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

const code = await main(process.argv.slice(2), process.env)
if (code !== 0) process.exit(code)
