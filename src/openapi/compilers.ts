import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import { rememberRecentAnswers } from './recent-answers.js'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

interface Validator {
  (data: unknown, context?: unknown): unknown
  errors?: unknown
  schemaEnv?: unknown
}
type Serializer = (data: unknown) => string
type Compiler<F> = (route: { schema: unknown }) => F
type Builder<F> = (externalSchemas: unknown, options: unknown) => Compiler<F>

/*
 * Fastify's own default compilers (Ajv and fast-json-stringify behind its pools), required from
 * where Fastify itself requires them: they are its dependencies, so this gets the very versions and
 * default options Fastify would use, and validation and serialisation stay byte-for-byte the same.
 */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))

/**
 * Fastify's default compilers, made lazy. Fastify compiles every route's schemas when the app gets
 * ready: 74 routes here (12 Okra operations under five prefixes, plus the control API), which was
 * most of a second of cold start. Lazily, each route compiles a schema on the first request that
 * needs it, and a run that only reads balances compiles two. `eager` keeps Fastify's behaviour, so
 * a broken schema fails start-up instead of its first request (the contract test uses it).
 * Either way each serializer answers repeated data from memory (rememberRecentAnswers).
 */
export function schemaCompilers (eager: boolean): CompilersFactory {
  const buildValidator = (fromFastify('@fastify/ajv-compiler') as () => Builder<Validator>)()
  const buildFastSerializer = (fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder<Serializer>)()
  const buildSerializer: Builder<Serializer> = (externalSchemas, options) => {
    const compile = buildFastSerializer(externalSchemas, options)
    return (route) => rememberRecentAnswers(compile(route))
  }
  if (eager) return { buildValidator, buildSerializer } as unknown as CompilersFactory
  const lazyValidators: Builder<Validator> = (externalSchemas, options) => {
    const compile = lazily(() => buildValidator(externalSchemas, withoutMetaSchemaCheck(options)))
    return (route) => lazyValidator(() => compile()(route))
  }
  const lazySerializers: Builder<Serializer> = (externalSchemas, options) => {
    const compile = lazily(() => buildSerializer(externalSchemas, options))
    return (route) => {
      let serialize: Serializer | undefined
      return (data) => (serialize ??= compile()(route))(data)
    }
  }
  return { buildValidator: lazyValidators, buildSerializer: lazySerializers } as unknown as CompilersFactory
}

/** The value `make` returns, made on the first call: Fastify sets a compiler up per plugin scope, needed or not. */
function lazily<T> (make: () => T): () => T {
  let made: T | undefined
  return () => (made ??= make())
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
