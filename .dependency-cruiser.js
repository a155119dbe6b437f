/**
 * The layers of src/ (README, "Developing"): which folder may import which. `npm run deps` checks
 * every import, type-only ones included, and `npm test` runs it. Files of src/ not named here
 * (rule `unmapped`) are a violation until they find their place.
 */

/** Each layer and what it may import besides itself. */
const LAYERS = {
  wire: [],
  core: ['wire'],
  dataset: ['core', 'wire'],
  openapi: ['wire'],
  http: ['core', 'openapi', 'wire'],
  routes: ['core', 'http', 'openapi', 'wire'],
  persistence: ['core', 'dataset'],
  webhooks: ['core'],
}
const ROOT_FILES = ['app', 'server', 'cli', 'options', 'client', 'index']
const MAPPED = `^src/(${Object.keys(LAYERS).join('|')})/|^src/(${ROOT_FILES.join('|')})\\.ts$`

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `${layer}-imports`,
  comment: `src/${layer} may import only ${allowed.length === 0 ? 'nothing of src/' : allowed.map((a) => `src/${a}`).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` },
}))

/**
 * TEMPORARY: imports of today's tree that the layers above forbid, in areas other helpers are
 * reshaping (issue 13). Each line goes when its import does; the integrator deletes this list once
 * it is empty. Anything not listed here fails `npm run deps`.
 */
const TEMPORARY = [
  // DATASET renames src/fixtures to src/dataset; until then the fixture code sits outside the map
  // and the core reads the fixture format's types and tables from it.
  ['core-imports', 'src/core/balances.ts', 'src/fixtures/types.ts'],
  ['core-imports', 'src/core/dataset.ts', 'src/fixtures/tables.ts'],
  ['core-imports', 'src/core/dataset.ts', 'src/fixtures/types.ts'],
  ['core-imports', 'src/core/tenant.ts', 'src/fixtures/types.ts'],
  ['core-imports', 'src/core/tenants.ts', 'src/fixtures/types.ts'],
  ['core-imports', 'src/core/overlays.ts', 'src/fixtures/types.ts'],
  ['persistence-imports', 'src/persistence/store.ts', 'src/fixtures/scenarios.ts'],
  ['persistence-imports', 'src/persistence/store.ts', 'src/fixtures/types.ts'],
  ['routes-imports', 'src/routes/admin.ts', 'src/fixtures/scenarios.ts'],
  ['unmapped', 'src/app.ts', 'src/fixtures/types.ts'],
  ['unmapped', 'src/cli.ts', 'src/fixtures/generate.ts'],
  ['unmapped', 'src/cli.ts', 'src/fixtures/load.ts'],
  ['unmapped', 'src/client.ts', 'src/fixtures/types.ts'],
  ['unmapped', 'src/index.ts', 'src/fixtures/generate.ts'],
  ['unmapped', 'src/index.ts', 'src/fixtures/load.ts'],
  ['unmapped', 'src/index.ts', 'src/fixtures/scenarios.ts'],
  ['unmapped', 'src/index.ts', 'src/fixtures/types.ts'],
  // TENANT moves the scheduler out of the root. The control API's replay takes the webhook
  // dispatcher itself; the map wants it handed over behind a core interface.
  ['routes-imports', 'src/routes/admin.ts', 'src/scheduler.ts'],
  ['routes-imports', 'src/routes/admin.ts', 'src/webhooks/dispatcher.ts'],
  ['routes-imports', 'src/routes/records.ts', 'src/scheduler.ts'],
  ['unmapped', 'src/app.ts', 'src/scheduler.ts'],
  // PACKAGE's options.ts takes over the CLI's logger set-up.
  ['unmapped', 'src/cli.ts', 'src/logging.ts'],
]

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Imports run one way: a cycle means two modules are one, or a layer imports upward',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'app-only-from-entry-points',
      comment: 'app.ts is the composition root: only cli.ts, server.ts and index.ts import it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|server|index)\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'core-knows-no-framework',
      comment: 'The core knows nothing of Fastify, HTTP or storage: those arrive as arguments',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'core-does-no-io',
      comment: 'The core reads no files, sockets or processes: what it needs arrives as arguments',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|http|https|http2|net|tls|dgram|dns|child_process|cluster|worker_threads|process)(/|$)' },
    },
    {
      name: 'unmapped',
      comment: 'Every module of src/ lives in a folder of the map, or is one of its root files',
      severity: 'error',
      // The layers' own rules already refuse an unmapped module. $1 is the importer's folder (or root
      // file's name): an unmapped folder's imports of itself count once, where the folder is imported.
      from: { path: '^src/([^/.]+)', pathNot: `^src/(${Object.keys(LAYERS).join('|')})/` },
      to: { path: '^src/', pathNot: [MAPPED, '^src/$1/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    knownViolations: TEMPORARY.map(([rule, from, to]) => ({ type: 'dependency', rule: { name: rule, severity: 'error' }, from, to })),
  },
}
