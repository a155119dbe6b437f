import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { FuzzSession, pollution } from './run.js'

/**
 * `npm run fuzz [-- --runs N --seed S --path P --route "POST /balance/getByCustomer"]`: a long run of
 * the fuzz over every route at once. Prints the count and the rate; on failure, the seed and path
 * that replay the (shrunk) counterexample, and exits 1.
 */
const HELP = `usage: npm run fuzz -- [--runs N] [--seed S] [--path P] [--route "METHOD /template"]
  --runs   cases to run (default 100000)
  --seed   fast-check seed (default: random, printed)
  --path   replay one counterexample: the path printed by a failed run, with its seed
  --route  only this route, e.g. "POST /balance/getByCustomer" (default: every route)
  --trace  print every request, its answer and how long it took`

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    route: { type: 'string' },
    trace: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(HELP)
  process.exit(0)
}
const runs = Number(values.runs)
const seed = values.seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : Number(values.seed)
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error(HELP)
  process.exit(2)
}

// A crash anywhere in the process (a handler's stray promise, a socket error) fails the run.
const crashes: string[] = []
process.on('uncaughtException', (error) => { crashes.push(`uncaught exception: ${error.stack ?? String(error)}`) })
process.on('unhandledRejection', (reason) => { crashes.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`) })

const session = await FuzzSession.open()
if (values.trace) session.trace = (step, answer, ms) => { console.log(`${ms.toFixed(0).padStart(5)} ms  ${step}\n         → ${answer}`) }
const route = values.route === undefined ? undefined : session.route(values.route)
console.log(`fuzzing ${route?.name ?? `${session.routes.length} routes`} at ${session.target.server.url}: ${runs} cases, seed ${seed}${values.path === undefined ? '' : `, path ${values.path}`}`)

const started = performance.now()
let lastReport = started
const property = fc.asyncProperty(session.arbitrary(route), async (fuzzCase) => {
  await session.runCase(fuzzCase)
  if (crashes.length > 0) throw new Error(crashes.join('\n'))
  const now = performance.now()
  if (now - lastReport > 15_000) {
    lastReport = now
    const seconds = (now - started) / 1000
    console.log(`  ${session.tally.cases} cases, ${(session.tally.cases / seconds).toFixed(0)} cases/s`)
  }
})
const details = await fc.check(property, {
  seed,
  numRuns: runs,
  ...(values.path === undefined ? {} : { path: values.path }),
})

let failed = details.failed
const lines: string[] = []
try {
  await session.checkNormalRequest()
} catch (error) {
  failed = true
  lines.push((error as Error).message)
}
const polluted = pollution()
if (polluted !== null) {
  failed = true
  lines.push(`prototype pollution: ${polluted}`)
}
const seconds = (performance.now() - started) / 1000
try {
  await session.close()
} catch (error) {
  // Closing fails when an answer outside any case (the normal request) broke the contract.
  failed = true
  lines.push((error as Error).message)
}

const shrinking = session.tally.cases - details.numRuns
console.log(`${session.tally.cases} cases${shrinking > 0 ? ` (${shrinking} of them shrinking a failure)` : ''}, ${session.tally.steps} requests ` +
  `in ${seconds.toFixed(1)} s: ${(session.tally.cases / seconds).toFixed(0)} cases/s, seed ${seed}${failed ? ': FAILED' : ''}`)
console.log(`statuses: ${session.tally.summary()}`)
if (details.failed) {
  console.error(fc.defaultReportMessage(details) ?? 'failed')
  const error = details.errorInstance
  console.error(`\n${error instanceof Error ? error.message : String(error)}`)
  console.error(`\nreplay: npm run fuzz -- --seed ${details.seed} --path "${details.counterexamplePath ?? ''}"${route === undefined ? '' : ` --route "${route.name}"`}`)
}
if (lines.length > 0) console.error(lines.join('\n'))
if (crashes.length > 0) console.error(crashes.join('\n'))
process.exitCode = failed || crashes.length > 0 ? 1 : 0
