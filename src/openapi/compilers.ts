import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import { PRECOMPILED_DIR, PrecompiledSchemas, SchemaRecorder, type RouteDefinition } from './precompiled.js'
import { rememberRecentAnswers } from './recent-answers.js'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

interface Validator {
  (data: unknown, context?: unknown): unknown
  errors?: unknown
  schemaEnv?: unknown
}
type Serializer = (data: unknown) => string
type Compiler<F> = (route: RouteDefinition) => F
type Builder<F> = (externalSchemas: unknown, options: unknown) => Compiler<F>

/*
 * Fastify's own default compilers (Ajv and fast-json-stringify behind its pools), required from
 * where Fastify itself requires them: they are its dependencies, so this gets the very versions and
 * default options Fastify would use, and validation and serialisation stay byte-for-byte the same.
 * Required only when a schema is compiled: with the build's precompiled code, a run may never need them.
 */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const defaultValidators = lazily(() => (fromFastify('@fastify/ajv-compiler') as () => Builder<Validator>)())
const defaultSerializers = lazily(() => (fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder<Serializer>)())

/** How route schemas are compiled: see schemaCompilers. */
export type SchemaCompilation = 'lazy' | 'eager' | PrecompiledSchemas | SchemaRecorder

/**
 * Fastify's default compilers, made lazy. Fastify compiles every route's schemas when the app gets
 * ready: 74 routes here (12 Okra operations under five prefixes, plus the control API), which was
 * most of a second of cold start. Lazily ('lazy', or a PrecompiledSchemas), each route gets its
 * function on the first request that needs it: restored from the build's standalone code when that
 * is current (precompiled.ts), compiled otherwise. 'eager' keeps Fastify's behaviour, so a broken
 * schema fails start-up instead of its first request (the contract test uses it); a SchemaRecorder
 * is the build's. Either way each serializer answers repeated data from memory (rememberRecentAnswers).
 */
export function schemaCompilers (compilation: SchemaCompilation): CompilersFactory {
  if (compilation instanceof SchemaRecorder) return compilation.compilers
  const buildSerializer: Builder<Serializer> = (externalSchemas, options) => {
    const compile = defaultSerializers()(externalSchemas, options)
    return (route) => rememberRecentAnswers(compile(route))
  }
  if (compilation === 'eager') return { buildValidator: defaultValidators(), buildSerializer } as unknown as CompilersFactory
  const precompiled = compilation === 'lazy' ? builtSchemas() : compilation
  const lazyValidators: Builder<Validator> = (externalSchemas, options) => {
    const compile = lazily(() => defaultValidators()(externalSchemas, withoutMetaSchemaCheck(options)))
    return (route) => lazyValidator(() => precompiled?.restore<Validator>('validator', options, route) ?? compile()(route))
  }
  const lazySerializers: Builder<Serializer> = (externalSchemas, options) => {
    const compile = lazily(() => defaultSerializers()(externalSchemas, options))
    return (route) => {
      let serialize: Serializer | undefined
      return (data) => (serialize ??= rememberRecentAnswers(precompiled?.restore<Serializer>('serializer', options, route) ?? compile()(route)))(data)
    }
  }
  return { buildValidator: lazyValidators, buildSerializer: lazySerializers } as unknown as CompilersFactory
}

/** The build's precompiled code (dist/openapi/precompiled/), read once per process. */
const builtSchemas = lazily(() => PrecompiledSchemas.read(PRECOMPILED_DIR))

/** The value `make` returns, made on the first call: Fastify sets a compiler up per plugin scope, needed or not. */
function lazily<T> (make: () => T): () => T {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}

/**
 * Ajv checks every schema against the JSON Schema meta-schema before it compiles it; compiling that
 * check took ~25 ms of cold start. The schemas come from openapi.yaml and the contract test compiles
 * them all eagerly, with the check, so at run time it only repeats a proof already made.
 */
function withoutMetaSchemaCheck (options: unknown): unknown {
  const ajv = options as { customOptions?: Record<string, unknown> }
  return { ...ajv, customOptions: { ...ajv.customOptions, validateSchema: false } }
}

function lazyValidator (compile: () => Validator): Validator {
  let compiled: Validator | undefined
  const validate: Validator = (data, context) => {
    compiled ??= compile()
    const valid = compiled(data, context)
    // Fastify reads a failed validation's errors from the function it was given.
    validate.errors = compiled.errors
    return valid
  }
  // Fastify passes the parent object only to functions it knows as Ajv's, by `schemaEnv`; the
  // function behind this one always is, so it gets the same arguments it would have had.
  validate.schemaEnv = true
  return validate
}
