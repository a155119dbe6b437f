import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

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
const OPENAPI_PATH = new URL('../../openapi.yaml', import.meta.url)

/**
 * The build's JSON copy of openapi.yaml, beside the built module (dist/openapi/openapi.json).
 * Parsing the YAML took ~150 ms of the emulator's cold start (yaml's import included); the copy
 * parses in about a millisecond. It carries the digest of the YAML it came from, so an edited
 * openapi.yaml is never served from a stale copy: the YAML is parsed instead.
 */
const COMPILED_OPENAPI_PATH = new URL('./openapi.json', import.meta.url)

interface CompiledOpenApi {
  source: string
  document: OpenApiDocument
}

let cached: OpenApiDocument | undefined

/** The parsed contract; read once per process, since every app and test shares it unchanged. */
export function loadOpenApi (): OpenApiDocument {
  if (cached === undefined) {
    const text = readFileSync(OPENAPI_PATH, 'utf8')
    const compiled = readCompiled()
    cached = compiled?.source === digestOf(text) ? compiled.document : parseYaml(text)
  }
  return cached
}

/** Writes the JSON copy that loadOpenApi prefers; run by `npm run build` (build.ts). */
export function writeCompiledOpenApi (): void {
  const text = readFileSync(OPENAPI_PATH, 'utf8')
  const compiled: CompiledOpenApi = { source: digestOf(text), document: parseYaml(text) }
  writeFileSync(COMPILED_OPENAPI_PATH, JSON.stringify(compiled))
}

function readCompiled (): CompiledOpenApi | undefined {
  try {
    return JSON.parse(readFileSync(COMPILED_OPENAPI_PATH, 'utf8')) as CompiledOpenApi
  } catch {
    return undefined // not built (tests and `tsx` run from src/), or unreadable: the YAML serves
  }
}

function digestOf (text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

function parseYaml (text: string): OpenApiDocument {
  // Required only when there is no fresh JSON copy: importing yaml alone costs ~25 ms of start-up.
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return parse(text) as OpenApiDocument
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

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
