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
/** What Fastify tells a compiler about the schema it compiles. */
interface RouteDefinition { schema: unknown, method: string, url: string, httpPart?: string, httpStatus?: string }
type Compiler<F> = (route: RouteDefinition) => F
type Builder<F> = (externalSchemas: unknown, options: unknown) => Compiler<F>

/*
 * The compilers Fastify uses by default, through its documented `schemaController.compilersFactory`:
 * same packages, same options, so validation and serialisation are byte-for-byte Fastify's.
 * Required only when a schema is first compiled: loading Ajv alone is tens of ms of cold start.
 */
const require = createRequire(import.meta.url)
const defaultValidators = lazily(() => (require('@fastify/ajv-compiler') as () => Builder<Validator>)())
const defaultSerializers = lazily(() => (require('@fastify/fast-json-stringify-compiler') as () => Builder<Serializer>)())

/** How route schemas are compiled: see schemaCompilers. */
export type SchemaCompilation = 'lazy' | 'eager'

/**
 * Fastify's default compilers, made lazy. Fastify compiles every route's schemas when the app gets
 * ready: 74 routes here (12 Okra operations under five prefixes, plus the control API), which was
 * most of a second of cold start; lazily, each route compiles on the first request that needs it.
 * 'eager' keeps Fastify's behaviour, so a broken schema fails start-up instead of its first request
 * (the contract test uses it). Either way each serializer answers repeated data from memory
 * (rememberRecentAnswers).
 */
export function schemaCompilers (compilation: SchemaCompilation): CompilersFactory {
  if (compilation === 'eager') {
    const buildSerializer: Builder<Serializer> = (externalSchemas, options) => {
      const compile = defaultSerializers()(externalSchemas, options)
      return (route) => rememberRecentAnswers(compile(route))
    }
    return { buildValidator: defaultValidators(), buildSerializer } as unknown as CompilersFactory
  }
  const buildValidator: Builder<Validator> = (externalSchemas, options) => {
    const compile = lazily(() => defaultValidators()(externalSchemas, withoutMetaSchemaCheck(options)))
    return (route) => lazyValidator(() => compile()(route))
  }
  const buildSerializer: Builder<Serializer> = (externalSchemas, options) => {
    const compile = lazily(() => defaultSerializers()(externalSchemas, options))
    return (route) => {
      let serialize: Serializer | undefined
      return (data) => (serialize ??= rememberRecentAnswers(compile()(route)))(data)
    }
  }
  return { buildValidator, buildSerializer } as unknown as CompilersFactory
}

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
