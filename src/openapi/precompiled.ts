import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import { openApiDigest } from './load.js'

/*
 * Route validators and serializers as standalone code, made by the build (Fastify's documented
 * standalone mode of its Ajv and fast-json-stringify compilers) and restored at start-up. Even
 * compiled lazily, the first answer paid ~30 ms to compile its two schemas, and loading Ajv and the
 * compilers to do it cost ~50 ms more; restored code needs neither. The code is the very code those
 * compilers generate, so answers and validation errors are the same to the byte.
 */

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type Kind = 'validator' | 'serializer'
/** What Fastify tells a compiler about the schema it compiles. */
export interface RouteDefinition { schema: unknown, method: string, url: string, httpPart?: string, httpStatus?: string }
type Store = (route: RouteDefinition, code: string) => void

interface Index {
  /** Per kind, what the code was made from (stampOf); code for anything else is not used. */
  stamps: Partial<Record<Kind, string>>
  /** Per route schema (keyOf), the file holding its code. */
  routes: Record<string, { kind: Kind, file: string }>
}

/** Where the build leaves them, beside the built module: dist/openapi/precompiled/. */
export const PRECOMPILED_DIR = new URL('./precompiled/', import.meta.url)

const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
/* The requires the generated code makes (Ajv's runtime helpers, ajv-formats, fast-json-stringify's
 * serializer) resolve from the compiler that generated it, as Fastify's own would. */
const requireFor: Record<Kind, NodeJS.Require> = {
  validator: createRequire(fromFastify.resolve('@fastify/ajv-compiler')),
  serializer: createRequire(fromFastify.resolve('@fastify/fast-json-stringify-compiler')),
}
const GENERATOR: Record<Kind, string> = { validator: 'ajv', serializer: 'fast-json-stringify' }

function keyOf (route: RouteDefinition): string {
  return `${route.method} ${route.url} ${route.httpPart ?? route.httpStatus ?? ''}`
}

/** What code of a kind depends on besides its route: the spec, the options Fastify passes, the generator's version. */
function stampOf (kind: Kind, options: unknown): string {
  const { version } = requireFor[kind](`${GENERATOR[kind]}/package.json`) as { version: string }
  return createHash('sha1').update(JSON.stringify([kind, openApiDigest(), options ?? null, version])).digest('hex')
}

/**
 * Compilers that compile every route schema as Fastify would and keep the standalone code of each;
 * the build creates the app with them, then `write`s what they kept (build.ts).
 */
export class SchemaRecorder {
  private readonly index: Index = { stamps: {}, routes: {} }
  private readonly codes = new Map<string, string>()
  readonly compilers: CompilersFactory

  constructor () {
    const { StandaloneValidator } = fromFastify('@fastify/ajv-compiler') as { StandaloneValidator: (o: object) => (e: unknown, o: unknown) => unknown }
    const { StandaloneSerializer } = fromFastify('@fastify/fast-json-stringify-compiler') as { StandaloneSerializer: (o: object) => (e: unknown, o: unknown) => unknown }
    const recording = (kind: Kind, standalone: (options: { readMode: false, storeFunction: Store }) => (e: unknown, o: unknown) => unknown) =>
      (externalSchemas: unknown, options: unknown) => {
        this.index.stamps[kind] = stampOf(kind, options)
        // A copy: the standalone compilers add their own options to what they are given.
        const own = options === undefined
          ? undefined
          : kind === 'validator' ? { ...options, customOptions: { ...(options as { customOptions?: object }).customOptions } } : { ...options }
        return standalone({ readMode: false, storeFunction: (route, code) => this.keep(kind, route, code) })(externalSchemas, own)
      }
    this.compilers = {
      buildValidator: recording('validator', StandaloneValidator),
      buildSerializer: recording('serializer', StandaloneSerializer),
    } as unknown as CompilersFactory
  }

  private keep (kind: Kind, route: RouteDefinition, code: string): void {
    // The same schema under five prefixes makes the same code: one file serves them all.
    const file = `${createHash('sha1').update(code).digest('hex').slice(0, 16)}.cjs`
    this.codes.set(file, code)
    this.index.routes[keyOf(route)] = { kind, file }
  }

  /** Replaces `dir` with the code kept so far and its index. */
  write (dir: URL): void {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    for (const [file, code] of this.codes) writeFileSync(new URL(file, dir), code)
    writeFileSync(new URL('index.json', dir), JSON.stringify(this.index))
  }
}

/** The build's standalone code, restored into functions on demand and shared by the routes using the same file. */
export class PrecompiledSchemas {
  private readonly restored = new Map<string, unknown>()
  private readonly stamps = new Map<string, boolean>()
  /** How many functions were restored rather than compiled: tests check the code is used. */
  restoredCount = 0

  private constructor (private readonly dir: URL, private readonly index: Index) {}

  /** The code in `dir`, or undefined when there is none (running from src/, or not built). */
  static read (dir: URL): PrecompiledSchemas | undefined {
    try {
      return new PrecompiledSchemas(dir, JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Index)
    } catch {
      return undefined
    }
  }

  /**
   * The function of one kind for a route, given the options Fastify compiles with; undefined when
   * there is no code for the route or it was made from another spec, other options or another
   * compiler version, and the route must compile its own.
   */
  restore<F> (kind: Kind, options: unknown, route: RouteDefinition): F | undefined {
    const entry = this.index.routes[keyOf(route)]
    if (entry === undefined || entry.kind !== kind || !this.isCurrent(kind, options)) return undefined
    let fn = this.restored.get(entry.file)
    if (fn === undefined) {
      let code: string
      try {
        code = readFileSync(new URL(entry.file, this.dir), 'utf8')
      } catch {
        return undefined // a half-written or pruned build: the route compiles its own
      }
      const module = { exports: {} as unknown }
      // eslint-disable-next-line no-new-func -- the build's own generated code, run as Fastify's standalone mode runs it
      new Function('module', 'exports', 'require', code)(module, module.exports, requireFor[kind])
      fn = module.exports
      this.restored.set(entry.file, fn)
    }
    this.restoredCount += 1
    return fn as F
  }

  private isCurrent (kind: Kind, options: unknown): boolean {
    const key = `${kind} ${JSON.stringify(options ?? null)}`
    let current = this.stamps.get(key)
    if (current === undefined) this.stamps.set(key, current = this.index.stamps[kind] === stampOf(kind, options))
    return current
  }
}
