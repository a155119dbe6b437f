/*
 * Build step (`npm run build`, after tsc): a CommonJS twin of the ES module build in dist/cjs/, for
 * what cannot load ES modules, Jest's default runtime first. Node's own require(esm) does not help
 * Jest, which runs every module through its own CommonJS loader.
 *
 * Each built module is converted on its own, so the tree keeps its shape. `import.meta.url` becomes
 * the URL of the module's ES twin in dist/: everything found relative to it (openapi.json, the
 * fixtures) is then the very file the ES build uses, and
 * is not shipped twice. Dynamic import()s become require()s: Jest refuses import() without its
 * experimental VM modules. Type declarations are copied beside, where dist/cjs/package.json makes
 * TypeScript read them as CommonJS.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const OUT = join(DIST, 'cjs')
/* Not for require(): the CLI and the build step wait at top level, and the vitest setup is for vitest, an ES module itself. */
const ESM_ONLY = new Set(['cli', 'vitest', join('openapi', 'build')])

rmSync(OUT, { recursive: true, force: true })
for (const file of readdirSync(DIST, { recursive: true, encoding: 'utf8' })) {
  if (file.startsWith(`cjs${sep}`) || ESM_ONLY.has(file.replace(/\.(d\.ts|js)$/, ''))) continue
  const source = join(DIST, file)
  const target = join(OUT, file)
  if (file.endsWith('.d.ts')) {
    mkdirSync(dirname(target), { recursive: true })
    copyFileSync(source, target)
    continue
  }
  if (!file.endsWith('.js')) continue
  const code = readFileSync(source, 'utf8')
  const twin = relative(dirname(target), source)
  const { code: converted } = transformSync(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__esmTwinUrl' },
    banner: code.includes('import.meta')
      ? `const __esmTwinUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(twin)})).href;`
      : '',
  })
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, converted)
}
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n')
