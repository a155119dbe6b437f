import type { FastifyInstance, FastifySchema } from 'fastify'
import type { JsonSchema, OpenApiDocument, Operation } from './load.js'

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/
const RESPONSE_REF = /^#\/components\/responses\/(.+)$/
const SERIALIZER_SUFFIX = '__out'

/**
 * Rewrites `#/components/schemas/Name` into `Name#`, the id under which registerSchemas adds each
 * component to Fastify, so validators and serialisers resolve the same shared definitions.
 */
export function toFastifyRefs<T> (value: T, suffix = ''): T {
  if (Array.isArray(value)) return value.map((v) => toFastifyRefs(v, suffix)) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    const match = key === '$ref' && typeof inner === 'string' ? COMPONENT_REF.exec(inner) : null
    out[key] = match !== null ? `${match[1]}${suffix}#` : toFastifyRefs(inner, suffix)
  }
  return out as T
}

/**
 * fast-json-stringify writes required properties before optional ones, which would move Okra's
 * optional `available_balance` out of its place among the balance's keys. The serialiser therefore
 * gets each schema without `required`; validation, and the suite's contract check, keep it.
 */
function forSerializer<T> (value: T): T {
  if (Array.isArray(value)) return value.map(forSerializer) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    if (key !== 'required' || Array.isArray(inner) === false) out[key] = forSerializer(inner)
  }
  return out as T
}

export function registerSchemas (app: FastifyInstance, doc: OpenApiDocument): void {
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    app.addSchema({ $id: name, ...toFastifyRefs(schema) })
    app.addSchema({ $id: `${name}${SERIALIZER_SUFFIX}`, ...forSerializer(toFastifyRefs(schema, SERIALIZER_SUFFIX)) })
  }
}

const builtRouteSchemas = new WeakMap<OpenApiDocument, Map<string, FastifySchema>>()

/**
 * The Fastify route schema of one operation: body and every documented response, from the spec.
 * Built once per operation and shared by the routes of all five prefixes, so Ajv, which caches
 * compiled validators by schema object, compiles each body once.
 */
export function routeSchema (doc: OpenApiDocument, operationId: string): FastifySchema {
  let built = builtRouteSchemas.get(doc)
  if (built === undefined) builtRouteSchemas.set(doc, built = new Map())
  let schema = built.get(operationId)
  if (schema === undefined) built.set(operationId, schema = buildRouteSchema(doc, operationId))
  return schema
}

function buildRouteSchema (doc: OpenApiDocument, operationId: string): FastifySchema {
  for (const item of Object.values(doc.paths)) {
    for (const operation of Object.values(item)) {
      if (typeof operation !== 'object' || operation === null || !('operationId' in operation)) continue
      if (operation.operationId !== operationId) continue
      const schema: FastifySchema = { response: {} }
      const body = operation.requestBody?.content?.['application/json']?.schema
      if (body !== undefined) schema.body = toFastifyRefs(body)
      const query = operation.parameters?.filter((p) => p.in === 'query') ?? []
      if (query.length > 0) {
        schema.querystring = {
          type: 'object',
          required: query.filter((p) => p.required === true).map((p) => p.name),
          properties: Object.fromEntries(query.map((p) => [p.name, toFastifyRefs(p.schema ?? {})])),
        }
      }
      for (const [status, content] of Object.entries(responseBodies(doc, operation))) {
        (schema.response as Record<string, JsonSchema>)[status] = forSerializer(toFastifyRefs(content, SERIALIZER_SUFFIX))
      }
      return schema
    }
  }
  throw new Error(`openapi.yaml has no operation "${operationId}"`)
}

/** The documented JSON body of each response status of an operation, as written in the spec. */
export function responseBodies (doc: OpenApiDocument, operation: Operation): Record<string, JsonSchema> {
  const bodies: Record<string, JsonSchema> = {}
  for (const [status, response] of Object.entries(operation.responses)) {
    const content = resolveResponse(doc, response).content?.['application/json']?.schema
    if (content !== undefined) bodies[status] = content
  }
  return bodies
}

function resolveResponse (doc: OpenApiDocument, response: { $ref?: string, content?: Record<string, { schema?: JsonSchema }> }) {
  const match = response.$ref === undefined ? null : RESPONSE_REF.exec(response.$ref)
  if (match === null) return response
  const named = doc.components.responses[match[1] as string]
  if (named === undefined) throw new Error(`openapi.yaml has no response "${response.$ref}"`)
  return named
}
