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
  routes: ['core', 'dataset', 'http', 'openapi', 'wire'],
  persistence: ['core', 'dataset'],
  webhooks: ['core'],
}
const ROOT_FILES = ['app', 'server', 'cli', 'options', 'client', 'index', 'fixture-tools', 'vitest', 'webhook-sink']
const MAPPED = `^src/(${Object.keys(LAYERS).join('|')})/|^src/(${ROOT_FILES.join('|')})\\.ts$`

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `${layer}-imports`,
  comment: `src/${layer} may import only ${allowed.length === 0 ? 'nothing of src/' : allowed.map((a) => `src/${a}`).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` },
}))

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
  },
}
