import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

export type JsonSchema = Record<string, unknown>

export interface Operation {
  operationId: string
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> }
  parameters?: Array<{ name: string, in: string, required?: boolean, schema?: JsonSchema }>
  responses: Record<string, { $ref?: string, content?: Record<string, { schema?: JsonSchema }> }>
}

export interface OpenApiDocument {
  openapi: string
  servers: Array<{ url: string }>
  paths: Record<string, Record<string, Operation> & { servers?: Array<{ url: string }> }>
  components: {
    schemas: Record<string, JsonSchema>
    responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>
  }
}

/** openapi.yaml sits at the package root, two levels above both src/openapi and dist/openapi. */
export const OPENAPI_PATH = new URL('../../openapi.yaml', import.meta.url)

let cached: OpenApiDocument | undefined

/** The parsed contract; read once per process, since every app and test shares it unchanged. */
export function loadOpenApi (): OpenApiDocument {
  cached ??= parse(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApiDocument
  return cached
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

export interface LocatedOperation {
  path: string
  method: typeof HTTP_METHODS[number]
  operation: Operation
  /** The base URLs this path is served under: the path's own servers, or the document's. */
  servers: string[]
}

/** Every operation in the document, by operationId. */
export function operationsById (doc: OpenApiDocument): Map<string, LocatedOperation> {
  const found = new Map<string, LocatedOperation>()
  for (const [path, item] of Object.entries(doc.paths)) {
    const servers = (item.servers ?? doc.servers).map((s) => s.url.replace(/\/$/, ''))
    for (const method of HTTP_METHODS) {
      const operation = item[method]
      if (operation !== undefined) found.set(operation.operationId, { path, method, operation, servers })
    }
  }
  return found
}
