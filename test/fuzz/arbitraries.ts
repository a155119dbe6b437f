import fc from 'fast-check'
import { loadOpenApi, operationsById, type JsonSchema } from '../../src/openapi/load.js'

/**
 * Generators of hostile requests. A case is described by plain data (JsonSpec, BodySpec, Step), so
 * fast-check can print and shrink it; huge or deep values are kept as a short recipe and only
 * expanded into bytes when the request is sent.
 */

/** A JSON text, as a recipe: keys may repeat or be `__proto__`, numbers may be literals JSON.stringify cannot write. */
export type JsonSpec =
  | { v: unknown }
  | { raw: string }
  | { obj: Array<[string, JsonSpec]> }
  | { arr: JsonSpec[] }
  | { deep: number, of: 'array' | 'object' }
  | { long: number, char: string }

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'json', spec: JsonSpec }
  /** A JSON text cut short after `keep` of its characters (Content-Length matches what is sent). */
  | { kind: 'truncated', spec: JsonSpec, keep: number }
  /** A JSON text with bytes that are not UTF-8 spliced in at `at` of its length (a fraction). */
  | { kind: 'bad-utf8', spec: JsonSpec, at: number, bytes: number[] }
  | { kind: 'text', text: string }
  | { kind: 'bytes', bytes: number[] }
  /** Valid JSON padded past the 1 MiB limit by `over` bytes. */
  | { kind: 'oversize', over: number }

/** What only a raw socket can send: broken framing, bytes undici refuses, a request line of our own. */
interface RawTwist {
  /** Replaces the request line's method as written (e.g. lowercase, unknown, empty). */
  method?: string
  version?: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2.0' | 'HTTP/1.9'
  /** The request target as written, not encoded: absolute form, `*`, spaces, a fragment. */
  target?: string
  noHost?: boolean
  /** Header lines as bytes, written as they are (invalid UTF-8, control characters, duplicates). */
  headerLines?: number[][]
  /** Declares a Content-Length this many bytes larger than the body, then half-closes the socket. */
  shortBy?: number
  /** A second Content-Length header, equal or not. */
  secondLength?: 'same' | 'different'
  /** Sends the body chunked: well-formed, with a size line that is not hex, or never finished (then half-closes). */
  chunked?: 'ok' | 'bad-size' | 'no-end'
  /** Ends lines with a bare LF instead of CRLF. */
  bareLf?: boolean
}

export interface Step {
  /** The route this step aims at, as RouteSpec names it (e.g. `POST /balance/getByCustomer`). */
  route: string
  method: string
  /** The path as sent: already encoded, possibly mangled. */
  path: string
  /** The query string as sent, without `?`; '' for none. */
  query: string
  /** Header pairs in order; a name may repeat. */
  headers: Array<[string, string]>
  body: BodySpec
  /** Set when the step must go over a raw socket. */
  raw?: RawTwist
}

export interface FuzzCase {
  steps: Step[]
}

/** The ids and names the running emulator knows, so generated requests reach real records and accounts. */
export interface KnownIds {
  customers: string[]
  accounts: string[]
  balances: string[]
  /** Records of the seeded tenant, in each state the emulator has. */
  records: string[]
  deliveries: string[]
  faults: string[]
  snapshots: string[]
  scenarios: string[]
  /** A small, valid fixture document to mutate into scenarios. */
  scenarioDocument: Record<string, unknown>
  /** Where webhook settings may point: a local receiver, so no generated case reaches the network. */
  receiverUrl: string
  tokens: { main: string, other: string }
}

export interface RouteSpec {
  /** `METHOD /template`, the key reports use. */
  name: string
  operationId: string
  method: string
  /** The template with `:param` segments, below the prefix. */
  template: string
  prefixes: string[]
  params: string[]
  queryParams: string[]
  /** Query parameters the route requires; the others are filters, mostly left out so lists stay full. */
  requiredQuery: string[]
  bodyFields: string[]
  hasBody: boolean
}

const ONE_MIB = 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Rendering

/** Writes a JsonSpec as JSON text; deep values are built iteratively, since JSON.stringify would overflow the stack. */
function renderJson (spec: JsonSpec): string {
  if ('v' in spec) return JSON.stringify(spec.v) ?? 'null'
  if ('raw' in spec) return spec.raw
  if ('obj' in spec) return `{${spec.obj.map(([key, value]) => `${JSON.stringify(key)}:${renderJson(value)}`).join(',')}}`
  if ('arr' in spec) return `[${spec.arr.map(renderJson).join(',')}]`
  if ('deep' in spec) {
    return spec.of === 'array'
      ? '['.repeat(spec.deep) + ']'.repeat(spec.deep)
      : '{"a":'.repeat(spec.deep) + '1' + '}'.repeat(spec.deep)
  }
  return JSON.stringify(spec.char.repeat(spec.long))
}

/** The bytes of a body; `undefined` for no body at all. */
export function renderBody (body: BodySpec): Buffer | undefined {
  switch (body.kind) {
    case 'none': return undefined
    case 'json': return Buffer.from(renderJson(body.spec))
    case 'truncated': {
      const text = renderJson(body.spec)
      return Buffer.from(text.slice(0, Math.min(body.keep, Math.max(0, text.length - 1))))
    }
    case 'bad-utf8': {
      const bytes = Buffer.from(renderJson(body.spec))
      const at = Math.floor(bytes.length * body.at)
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(body.bytes), bytes.subarray(at)])
    }
    case 'text': return Buffer.from(body.text)
    case 'bytes': return Buffer.from(body.bytes)
    case 'oversize': {
      const head = '{"customer":"65e0fb087fcd5c0200000000","pad":"'
      return Buffer.from(head + 'p'.repeat(ONE_MIB - head.length - 2 + body.over) + '"}')
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Routes, from openapi.yaml, so a new operation is fuzzed without anyone adding it here

function resolveSchema (schema: JsonSchema | undefined, components: Record<string, JsonSchema>): JsonSchema {
  const ref = schema?.$ref
  if (typeof ref === 'string') return resolveSchema(components[ref.replace('#/components/schemas/', '')], components)
  return schema ?? {}
}

function fieldsOf (schema: JsonSchema): string[] {
  const names = new Set(Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {}))
  for (const branch of (schema.anyOf as JsonSchema[] | undefined) ?? []) {
    for (const name of (branch.required as string[] | undefined) ?? []) names.add(name)
  }
  for (const name of (schema.required as string[] | undefined) ?? []) names.add(name)
  return [...names]
}

/** Every operation in openapi.yaml, with the body and query fields its schema names. */
export function routesFromSpec (): RouteSpec[] {
  const doc = loadOpenApi()
  const routes: RouteSpec[] = []
  for (const located of operationsById(doc).values()) {
    const { operation } = located
    const template = located.path.replace(/\{(\w+)\}/g, ':$1')
    const body = operation.requestBody?.content?.['application/json']?.schema
    const prefixes = located.servers.map((s) => s === '/' ? '' : s)
    routes.push({
      name: `${located.method.toUpperCase()} ${template}`,
      operationId: operation.operationId,
      method: located.method.toUpperCase(),
      template,
      prefixes,
      params: [...template.matchAll(/:(\w+)/g)].map((m) => m[1] as string),
      queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      requiredQuery: (operation.parameters ?? []).filter((p) => p.in === 'query' && p.required === true).map((p) => p.name),
      bodyFields: body === undefined ? [] : fieldsOf(resolveSchema(body, doc.components.schemas)),
      hasBody: body !== undefined,
    })
  }
  return routes
}

/** Routes outside the contract that the app still serves: the docs, the spec, CORS preflights. */
export const EXTRA_ROUTES: RouteSpec[] = [
  { name: 'GET /openapi.json', operationId: 'openapi.json', method: 'GET', template: '/openapi.json', prefixes: [''], params: [], queryParams: [], requiredQuery: [], bodyFields: [], hasBody: false },
  { name: 'GET /docs', operationId: 'docs', method: 'GET', template: '/docs/:asset', prefixes: [''], params: ['asset'], queryParams: [], requiredQuery: [], bodyFields: [], hasBody: false },
  { name: 'OPTIONS *', operationId: 'preflight', method: 'OPTIONS', template: '/balance/getByCustomer', prefixes: ['/v2', '/__admin', ''], params: [], queryParams: [], requiredQuery: [], bodyFields: [], hasBody: false },
]

// ---------------------------------------------------------------------------------------------
// Values

const v = (value: unknown): JsonSpec => ({ v: value })
const raw = (text: string): JsonSpec => ({ raw: text })

/** Strings that look like numbers, keywords or prototype members, and other classics. */
const NASTY_STRINGS = [
  'NaN', '-NaN', 'Infinity', '-Infinity', '+Infinity', '1e309', '-1e309', '-0', '0x1F', '1_000', ' 12', '12 ', '١٢', '１２',
  '', ' ', '\t', 'null', 'undefined', 'true', 'false', '[]', '{}', '[object Object]', '__proto__', 'constructor',
  'prototype', 'toString', 'hasOwnProperty', 'valueOf', '\u0000', 'a\u0000b', '\u202e', '😀', '\ud800', '\udfff',
  '\r\n', '../../etc/passwd', '%2e%2e%2f', '<script>alert(1)</script>', "' OR 1=1 --", '{{x}}', 'Ǆ', 'ß',
  // A template placeholder, on purpose.
  // eslint-disable-next-line no-template-curly-in-string
  '${x}',
]

/** Number literals, some beyond a double, written as JSON text so their exact spelling reaches the parser. */
const NUMBER_LITERALS = [
  '1e309', '-1e309', '-0', '-0.0', '1E400', '1e-400', '123456789012345678901234567890', '9007199254740993',
  '-9007199254740993', '1.7976931348623157e308', '5e-324', '0.1', '1.5', '2147483647', '2147483648', '4294967295',
  '4294967296', '-1', '-2147483649', '1e21', '0',
]

/** Literals that are not JSON at all. */
const BROKEN_LITERALS = ['01', '+1', '.5', '1.', 'NaN', 'Infinity', '-Infinity', '0x10', '1e', '--1', 'undefined', "'x'", 'tru']

const longString = fc.record({
  long: fc.constantFrom(1_000, 10_000, 100_000, 400_000),
  char: fc.constantFrom('a', 'é', '😀', '\\', '"', '\u0000'),
})

const scalar: fc.Arbitrary<JsonSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS).map(v) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_LITERALS).map(raw) },
  { weight: 1, arbitrary: fc.constantFrom(...BROKEN_LITERALS).map(raw) },
  { weight: 2, arbitrary: fc.integer().map(v) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(v) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null).map(v) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map(v) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(v) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(v) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => v(`x${String.fromCharCode(c)}y`)) },
  { weight: 1, arbitrary: longString }
)

const deep: fc.Arbitrary<JsonSpec> = fc.record({
  deep: fc.constantFrom(64, 65, 1_000, 5_000, 10_000, 100_000),
  of: fc.constantFrom<'array' | 'object'>('array', 'object'),
})

/** Keys that reach for the prototype chain or shadow its members. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']

const pollutingObject: fc.Arbitrary<JsonSpec> = fc.constantFrom<JsonSpec>(
  { obj: [['__proto__', { obj: [['polluted', v(1)]] }]] },
  { obj: [['constructor', { obj: [['prototype', { obj: [['polluted', v(1)]] }]] }]] },
  { obj: [['prototype', { obj: [['polluted', v(1)]] }]] },
  { obj: [['__proto__', v(null)]] },
  { obj: [['__proto__', v([])]] }
)

/** Anything JSON can hold, and some things it barely can. */
const anyValue: fc.Arbitrary<JsonSpec> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(v) },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: pollutingObject },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }).map((arr) => ({ arr })) }
)

const extraKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a.b', '$where', '\u0000', '😀', 'page', 'limit', 'customer', 'account_id', 'kind') }
)

/**
 * A string of characters from `alphabet`. Built from an array rather than fc.string({ unit }), whose
 * set-up tokenizes fast-check's dangerous strings against the unit and costs seconds per arbitrary.
 */
const stringOf = (alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((chars) => chars.join(''))

const hexId = stringOf('0123456789abcdef', 24, 24)

/** Ids that resemble Okra's and ids that do not. */
function idLike (known: string[]): fc.Arbitrary<JsonSpec> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...known).map(v) },
    { weight: 2, arbitrary: hexId.map(v) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => v(id.toUpperCase())) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => v(` ${id}`)) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(256), 'x'.repeat(257)).map(v) },
    { weight: 3, arbitrary: anyValue }
  )
}

/** `arb` about once in `every` draws, otherwise null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb })

const pick = (values: unknown[], rest = 2): fc.Arbitrary<JsonSpec> =>
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...values).map(v) }, { weight: rest, arbitrary: anyValue })

const DURATIONS = ['1s', '3s', '1m30s', '1h', '1.5s', '0ms', 0, 1000, 2.5, 1e-7, 5e-324, 0.1, '2d', '36500d', '36501d', '100000d', '99999999999999999999d',
  1e15, 1e308, -1, '-1s', '1', 's', '1x', ' 1s', '1s ', '1S', '1h1h1h', '9'.repeat(400) + 'ms']
const durationValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...DURATIONS).map(v) },
  { weight: 1, arbitrary: fc.constantFrom('1e309', '-0', '1E400').map(raw) },
  { weight: 2, arbitrary: anyValue }
)

/** An object of known keys with generated values, plus extra or duplicated keys now and then. */
function objectOf (fields: Record<string, fc.Arbitrary<JsonSpec>>, presence = 0.8): fc.Arbitrary<JsonSpec> {
  const names = Object.keys(fields)
  return fc.tuple(
    fc.tuple(...names.map((name) => fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fields[name] as fc.Arbitrary<JsonSpec>))),
    fc.array(fc.tuple(extraKey, anyValue), { maxLength: 2 }),
    fc.nat({ max: 9 })
  ).map(([values, extras, extraChance]) => {
    const entries: Array<[string, JsonSpec]> = []
    values.forEach(([roll, value], i) => { if (roll < presence) entries.push([names[i] as string, value]) })
    // Extras are rare: most requests should be plausible enough to reach the handler.
    if (extraChance < 3) entries.push(...extras)
    return { obj: entries }
  })
}

const policyValue: fc.Arbitrary<JsonSpec> = fc.oneof(
  { weight: 6, arbitrary: objectOf({ kind: pick(['delay', 'polls', 'immediate', 'manual', 'x', 'DELAY'], 1), after: durationValue, polls: pick([1, 2, 3, 0, -1, 1.5, '2', 1e300]) }, 0.6) },
  { weight: 1, arbitrary: anyValue }
)

const failureValue: fc.Arbitrary<JsonSpec> = fc.oneof(
  { weight: 6, arbitrary: objectOf({ kind: pick(['timeout', 'bank_error', 'success', 'x']), message: pick(['Invalid login', '', 'x'.repeat(10_000)]) }, 0.7) },
  { weight: 1, arbitrary: anyValue }
)

function slowLatency (spec: JsonSpec): boolean {
  const n = 'v' in spec ? spec.v : 'raw' in spec ? Number(spec.raw) : undefined
  return typeof n === 'number' && n > 20 && n <= 60_000
}

/** Fault rules. Latency stays short and URLs local, so no case waits on a clock or the network. */
function faultFields (known: KnownIds): Record<string, fc.Arbitrary<JsonSpec>> {
  return {
    match: fc.oneof(
      { weight: 6, arbitrary: objectOf({ route: pick(['balance/getByCustomer', '/balance/refresh', 'callback', 'balance/check', 'fuzz/never', '']), account: idLike(known.accounts), customer: idLike(known.customers) }, 0.4) },
      { weight: 1, arbitrary: anyValue }
    ),
    action: fc.oneof(
      {
        weight: 6,
        arbitrary: objectOf({
          kind: pick(['error', 'latency', 'rate_limit', 'timeout', 'close', 'x']),
          status: pick([400, 404, 429, 500, 503, 599, 600, 399, '500', 1.5]),
          ms: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(0, 1, 5, 20, -1, 60_001, 1.5, '10').map(v) },
            // A real delay of seconds would only make the case wait (the rule does as told); keep them out.
            { weight: 2, arbitrary: anyValue.filter((spec) => !slowLatency(spec)) }
          ),
          body: pick([{ status: 'error', message: 'custom' }, {}, { a: [1, 2] }, 'not an object'], 1),
        }, 0.6),
      },
      { weight: 1, arbitrary: anyValue }
    ),
    times: pick([1, 2, 0, -1, 1.5, 1e300, '1']),
    share: pick([0, 0.5, 1, 1.5, -0.1, '0.5']),
    seed: pick([0, 1, 4294967295, 4294967296, -1, 1.5]),
  }
}

const SCENARIO_NAMES_EXTRA = ['default', 'fixture.schema', '../default', 'Slow-Banks', 'slow-banks.json', '-x', 'nope', '__proto__', 'constructor']

/** Paths into the small scenario document, for mutations. */
function pathsOf (value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [at]
  const children = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)
  return [at, ...children.flatMap((key) => pathsOf((value as Record<string | number, unknown>)[key], [...at, key]))]
}

function setAt (doc: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value
  const copy = (Array.isArray(doc) ? [...doc] : { ...(doc as object) }) as Record<string | number, unknown>
  const [head, ...rest] = path as [string | number, ...Array<string | number>]
  copy[head] = setAt(copy[head], rest, value)
  return copy
}

/** Durations, amounts and dates on both sides of the loader's limits (README, Limits). */
const EDGE_DURATIONS = ['0ms', '3s', '1d', '36500d', '36499d23h59m59s999ms', '36500d1ms', '36501d', '99999999999999999999d', '1' + '0'.repeat(400) + 'ms']
const EDGE_AMOUNTS = [0, -5000, 2500.5, 90071992547409.9, -90071992547409.9, 90071992547409.92, -90071992547409.92, 45035996273704.95, 1e15, 1e308, -1e308, 5e-324]
const EDGE_DATES = ['2026-11-02T09:00:00.000Z', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '9899-12-31T23:59:59.999Z', '9900-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z']

/** The small document's one account with an emulator behaviour (policy and bank script) at the limits, and its balance's amounts and dates. */
function extremeScenario (doc: Record<string, unknown>): fc.Arbitrary<unknown> {
  const duration = fc.constantFrom(...EDGE_DURATIONS)
  const amount = fc.constantFrom(...EDGE_AMOUNTS)
  const step = fc.oneof(
    fc.record({ after: duration, posting: amount }),
    fc.record({ after: duration, ledger_balance: amount, available_balance: amount }, { requiredKeys: ['after', 'ledger_balance'] })
  )
  const behaviour = fc.record({
    policy: fc.oneof(duration.map((after) => ({ kind: 'delay', after })), fc.constant({ kind: 'immediate' })),
    bank: fc.array(step, { minLength: 1, maxLength: 3 }),
  }, { requiredKeys: ['bank'] })
  const balance = fc.record({ ledger_balance: amount, available_balance: amount, created_at: fc.constantFrom(...EDGE_DATES), last_updated: fc.constantFrom(...EDGE_DATES) }, { requiredKeys: [] })
  return fc.tuple(behaviour, balance).map(([emulator, amounts]) => {
    const accounts = doc['accounts'] as Array<Record<string, unknown>>
    const balances = doc['balances'] as Array<Record<string, unknown>>
    return { ...doc, accounts: [{ ...accounts[0], emulator }], balances: [{ ...balances[0], ...amounts }] }
  })
}

/** Inline scenarios: the valid small document, mutated at one place or given extreme behaviour, or a ready-made name. */
function scenarioBody (known: KnownIds): fc.Arbitrary<JsonSpec> {
  const paths = pathsOf(known.scenarioDocument).filter((p) => p.length > 0)
  const values = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('2026-11-02T09:00:00.000Z', '2026-12-31T23:59:60Z', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z', 'x', '', -1, 1e308, '999999999999999999999d', '1e309', [], {}, null),
    fc.constantFrom(...EDGE_DURATIONS, ...EDGE_AMOUNTS, ...EDGE_DATES)
  )
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...known.scenarios, ...SCENARIO_NAMES_EXTRA).map((name) => ({ obj: [['name', v(name)]] }) as JsonSpec) },
    { weight: 1, arbitrary: fc.constant(v(known.scenarioDocument)) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...paths), values).map(([path, value]) => v(setAt(known.scenarioDocument, path, value))),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...paths)).map(([path]) => v(setAt(known.scenarioDocument, path, undefined))) },
    { weight: 4, arbitrary: extremeScenario(known.scenarioDocument).map(v) },
    { weight: 1, arbitrary: anyValue }
  )
}

/** Values for each body or query field the contract names; unknown fields get anything. */
function fieldValues (known: KnownIds): Record<string, fc.Arbitrary<JsonSpec>> {
  const pages = [1, 2, 3, '2', '10', 0, -1, '0', '-1', 1.5, '1.5', 2147483647, 2147483648, '2147483647', '9999999999', 1e21, '01']
  const amounts = [0, -5000, 2500.5, 1e308, -1e308, 1e15, 9007199254740991, 0.001, '100', 5e-324, 90071992547409.91, 90071992547409.92]
  const days = ['2023-11-05', '2026-11-02', '2023-02-29', '2024-02-29', '2023-13-01', '0000-01-01', '9999-12-31', '2023-1-5', '20231105',
    '2023-11-05T00:00:00Z', '+02023-11-05', '2023-11-05 ']
  const webhookUrls = [known.receiverUrl, 'http://127.0.0.1:1/hook', 'https://127.0.0.1:1/', 'http://', 'http://[::1]:1/', 'ftp://127.0.0.1/',
    'javascript:alert(1)', null, '', `http://127.0.0.1:1/${'p'.repeat(5000)}`, 'http://127.0.0.1:1/\u0000', 'HTTP://127.0.0.1:1/']
  const fields: Record<string, fc.Arbitrary<JsonSpec>> = {
    customer: idLike(known.customers),
    customer_id: idLike(known.customers),
    account: idLike(known.accounts),
    account_id: idLike(known.accounts),
    id: idLike(known.balances),
    record_id: idLike(known.records),
    record: idLike(known.records),
    page: pick(pages),
    limit: pick([1, 10, 100, 101, '50', 0, -5, 1e6, '9999999999999999', '99999999999999999', 2.5]),
    includePeriodic: pick([true, false, 'true', 'false', 'TRUE', 1, 0, null, '']),
    from: pick(days),
    to: pick(days),
    type: pick(['ledger_balance', 'available_balance', 'LEDGER_BALANCE', 'balance', '']),
    value: pick([0, 100, '100', '100.5', '100.555', -1, '-0', '1e3', 1e15, '999999999999999.99', 'NaN', 1e308, '0000000000000001']),
    amount: pick([0, 100, '100', '-0', 'Infinity', -1e308]),
    by: durationValue,
    policy: policyValue,
    failure: failureValue,
    posting: pick(amounts),
    ledger_balance: pick(amounts),
    available_balance: pick(amounts),
    name: pick([...known.snapshots, ...known.scenarios, 'x'.repeat(200), 'x'.repeat(201), '', 'new-snapshot', '__proto__', 'constructor', 'toString']),
    url: pick(webhookUrls),
    token: pick([null, 'whk', '', 'x'.repeat(5000)]),
    method: pick(['BALANCE', 'CHECK_BALANCE', 'balance', 'POST', 'post', 'GET', '', 'X']),
    route: pick(['balance/refresh', '/balance/refresh', 'balance/getByCustomer', 'callback', '', 'nope']),
    status: pick(['200', '400', '404', '0', '999', '1000', 'abc']),
    fault: pick(['true', 'false', 'TRUE', '']),
    ...faultFields(known),
  }
  return fields
}

// ---------------------------------------------------------------------------------------------
// Bodies, queries, paths and headers

function bodyFor (route: RouteSpec, known: KnownIds, values: Record<string, fc.Arbitrary<JsonSpec>>): fc.Arbitrary<BodySpec> {
  const object: fc.Arbitrary<JsonSpec> = route.operationId === 'adminLoadScenario'
    ? scenarioBody(known)
    : objectOf(Object.fromEntries(route.bodyFields.map((f) => [f, values[f] ?? anyValue])), 0.85)
  const wellFormed = fc.oneof(
    { weight: 12, arbitrary: object },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(v) },
    { weight: 1, arbitrary: anyValue }
  )
  return fc.oneof(
    { weight: route.hasBody ? 30 : 6, arbitrary: wellFormed.map((spec): BodySpec => ({ kind: 'json', spec })) },
    { weight: route.hasBody ? 1 : 6, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
    { weight: 2, arbitrary: fc.tuple(object, fc.nat({ max: 200 })).map(([spec, keep]): BodySpec => ({ kind: 'truncated', spec, keep })) },
    {
      weight: 2,
      arbitrary: fc.tuple(object, fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xf0, 0xf5, 0xfe, 0xff), { minLength: 1, maxLength: 4 }))
        .map(([spec, at, bytes]): BodySpec => ({ kind: 'bad-utf8', spec, at, bytes })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text): BodySpec => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"', '{"customer":', '[', '"', '{"a":1,}', '{a:1}', "{'a':1}", '\ufeff{}', '{}{}', 'null', '1', '"x"', 'true', '[]', ' ').map((text): BodySpec => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 32 }).map((bytes): BodySpec => ({ kind: 'bytes', bytes })) },
    { weight: 1, arbitrary: fc.constantFrom(1, 1024, 64 * 1024).map((over): BodySpec => ({ kind: 'oversize', over })) }
  )
}

/** Percent-encodes the UTF-8 bytes of `text`; unlike encodeURIComponent it takes lone surrogates (as U+FFFD). */
function percent (text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

const queryText = (entries: Array<[string, string]>): string => entries.map(([k, val]) => `${k}=${val}`).join('&')
const enc = (value: JsonSpec): string => {
  const text = 'v' in value && typeof value.v === 'string' ? value.v : renderJson(value)
  // A deep value would make a query string longer than Node accepts; its point is made in bodies.
  return percent(text.length > 2000 ? text.slice(0, 2000) : text)
}

/** A query string: the route's own parameters, or for Okra's POSTs their body fields (which they also read from the query, D23), plus junk. */
function queryFor (route: RouteSpec, values: Record<string, fc.Arbitrary<JsonSpec>>): fc.Arbitrary<string> {
  const own = route.queryParams.length > 0 ? route.queryParams : route.prefixes.includes('') ? [] : route.bodyFields
  const presence = (name: string) => route.requiredQuery.includes(name) ? 0.9 : route.queryParams.length > 0 ? 0.25 : 0.15
  const known = fc.tuple(...own.map((name) => fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), values[name] ?? anyValue)))
    .map((pairs) => pairs.flatMap(([roll, value], i): Array<[string, string]> => roll < presence(own[i] as string) ? [[own[i] as string, enc(value)]] : []))
  const junk = fc.oneof(
    fc.constantFrom<Array<[string, string]>>(
      [['__proto__', 'x']], [['__proto__[polluted]', '1']], [['constructor[prototype][polluted]', '1']], [['a', '%']], [['a', '%ZZ']],
      [['a', '%E0%A4%A']], [['', '']], [['a', '1'], ['a', '2']], [['record', 'a'], ['record', 'b']], [['method', 'BALANCE'], ['method', 'X']],
      [['a', '1=2']], [['a;b', 'c']], [['%00', '%00']], [['page', '1'], ['page', '2']]
    ),
    fc.constantFrom(2_000, 8_000, 12_000).map((n): Array<[string, string]> => [['q', 'x'.repeat(n)]]),
    fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([k, val]): [string, string] => [percent(k), percent(val)]), { maxLength: 3 })
  )
  return fc.tuple(known, sometimes(junk, 6), fc.boolean()).map(([ownPairs, extra, extraFirst]) => {
    const parts = extra === null ? ownPairs : extraFirst ? [...extra, ...ownPairs] : [...ownPairs, ...extra]
    return queryText(parts)
  })
}

/** Path parameter values: real ids most of the time, then traversal, encodings and lengths. */
function paramFor (name: string, route: RouteSpec, known: KnownIds): fc.Arbitrary<string> {
  const real = route.template.startsWith('/__admin/records')
    ? known.records
    : route.template.startsWith('/__admin/webhooks')
      ? known.deliveries
      : route.template.startsWith('/__admin/faults')
        ? known.faults
        : route.template.startsWith('/__admin/snapshots')
          ? known.snapshots
          : route.template.startsWith('/__admin/accounts')
            ? known.accounts
            : name === 'asset' ? ['', 'index.html', 'json', 'static/index.html', 'static/swagger-ui.css', 'static/../../package.json'] : ['x']
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...real).map(percent) },
    { weight: 1, arbitrary: hexId },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(percent) },
    { weight: 2, arbitrary: fc.constantFrom('..', '%2e%2e', '.', '%2F', '..%2F..%2Fpackage.json', '%00', '%', '%E0%A4%A', '__proto__', 'constructor', 'toString', '%20', '+', '*') },
    { weight: 1, arbitrary: fc.constantFrom(99, 100, 101, 300, 2_000).map((n) => 'i'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => percent(id).toUpperCase()) }
  )
}

const BOGUS_PREFIXES = ['', '/v3', '/V2', '/v2/v2', '/sandbox', '/v2/sandbox/v2', '/__ADMIN', '/__admin/v2']

/** Mangles a path the way proxies and attackers do. */
function mangle (path: string, how: number, prefix: string): string {
  switch (how) {
    case 0: return path.replace(/\//g, '//')
    case 1: return `${path}/`
    case 2: return path.replace(/\/([^/]+)$/, '/./$1')
    case 3: return path.replace(/\/([^/]+)$/, '/x/../$1')
    case 4: return path.replace(/\/([^/]+)$/, '/x/%2e%2e/$1')
    case 5: return path.replace(/\/([^/]+)$/, '%2F$1')
    case 6: return path.toUpperCase()
    case 7: return `${path}/extra`
    case 8: return `${path}%00`
    case 9: return `${path};jsessionid=1`
    case 10: return `/${path}`
    case 11: return path.slice(prefix.length) || '/'
    default: return `${BOGUS_PREFIXES[how % BOGUS_PREFIXES.length] as string}${path.slice(prefix.length)}`
  }
}

function pathFor (route: RouteSpec, known: KnownIds): fc.Arbitrary<string> {
  const filled = fc.tuple(fc.constantFrom(...route.prefixes), fc.tuple(...route.params.map((p) => paramFor(p, route, known))))
    .map(([prefix, params]) => {
      let i = 0
      return { prefix, path: prefix + route.template.replace(/:(\w+)/g, () => params[i++] as string) }
    })
  return fc.tuple(filled, sometimes(fc.nat({ max: 19 }), 4))
    .map(([{ prefix, path }, how]) => how === null ? path : mangle(path, how, prefix))
}

const ODD_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH', 'LOCK', 'TRACE']

const CONTENT_TYPES = [
  'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'text/plain',
  'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '',
  'application/vnd.api+json', 'application/json, text/plain', 'application/jsonp', 'json', 'application/json;;;', `application/json; x=${'y'.repeat(3000)}`,
]

/** Authorization headers: the fuzz tenant's token mostly, then every way of getting it wrong. */
function authFor (known: KnownIds): fc.Arbitrary<string[]> {
  const { main, other } = known.tokens
  return fc.oneof(
    { weight: 24, arbitrary: fc.constant<string[]>([`Bearer ${main}`]) },
    { weight: 3, arbitrary: fc.constant<string[]>([`Bearer ${other}`]) },
    {
      weight: 6,
      arbitrary: fc.constantFrom<string[]>(
        [main], [`bearer   ${main}  `], [`BEARER ${main}`], [], [''], ['Bearer'], ['Bearer '], ['bearer'], ['Basic Zm9vOmJhcg=='],
        [`Bearer ${main}`, `Bearer ${other}`], [`Bearer ${other}`, `Bearer ${main}`], [`Bearer Bearer ${main}`], [`Bearer ${'k'.repeat(8_000)}`],
        ['Bearer \t'], ['Bearer null'], ['Bearer __proto__'], ['Bearer constructor']
      ),
    },
    { weight: 2, arbitrary: stringOf('ab', 1, 3).map((t) => [`Bearer ${t}`]) }
  )
}

function headersFor (known: KnownIds, json: boolean): fc.Arbitrary<Array<[string, string]>> {
  const contentType = fc.oneof(
    { weight: json ? 16 : 3, arbitrary: fc.constant(['application/json']) },
    { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((t) => [t]) },
    { weight: json ? 1 : 6, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.constantFrom(['application/json', 'text/plain'], ['text/plain', 'application/json'], ['application/json', 'application/json']) }
  )
  const extras = fc.array(fc.oneof(
    fc.constantFrom<[string, string]>(
      ['x-forwarded-host', 'evil.example'], ['x-forwarded-proto', 'https'], ['accept-version', '1.0.0'], ['x-admin-token', 'x'],
      ['accept', 'text/html'], ['accept-encoding', 'gzip, br'], ['content-encoding', 'gzip'], ['origin', 'http://evil.example'],
      ['x-http-method-override', 'DELETE'], ['cookie', 'a=b; __proto__=x'], ['x-okra-emulator-fault', 'x'], ['if-none-match', '*'],
      ['range', 'bytes=0-1'], ['accept-version', '*'], ['x-request-id', '__proto__']
    ),
    fc.constantFrom(1_000, 6_000, 12_000).map((n): [string, string] => ['x-pad', 'p'.repeat(n)]),
    fc.tuple(stringOf('abcdefghijklmnopqrstuvwxyz0123456789-', 1, 12).map((n) => `x-${n}`), fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')))
  ), { maxLength: 2 })
  return fc.tuple(authFor(known), contentType, extras).map(([auth, types, more]) => [
    ...auth.map((a): [string, string] => ['authorization', a]),
    ...types.map((t): [string, string] => ['content-type', t]),
    ...more,
  ])
}

const byteLine = (text: string, bad: number[] = []): number[] => [...Buffer.from(text, 'latin1'), ...bad]

/** Twists only a raw socket can make. */
const rawTwist: fc.Arbitrary<RawTwist> = fc.oneof(
  fc.record({ method: fc.constantFrom('post', 'Get', 'FOO', '', 'G E T', 'CONNECTX', 'POST\u0000') }),
  fc.record({ version: fc.constantFrom<'HTTP/1.0' | 'HTTP/2.0' | 'HTTP/1.9'>('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.9') }),
  fc.record({ target: fc.constantFrom('*', 'http://evil.example/v2/balance/getByCustomer', '/v2/balance/getByCustomer#frag', '/v2/balance/ getByCustomer', 'v2/balance/getByCustomer', '/v2/balance/getByCustomer\u0000', '/v2/\u00e9') }),
  fc.constant<RawTwist>({ noHost: true }),
  fc.record({
    headerLines: fc.array(fc.oneof(
      fc.constantFrom(
        byteLine('X-Bad: ', [0xff, 0xfe, 0xc3]), byteLine('Authorization: Bearer ', [0xc3, 0xa9, 0xff]), byteLine('X-Ctl: a\u0001b'),
        byteLine('X Space: 1'), byteLine('X-Empty:'), byteLine(': novalue'), byteLine('X-Fold: a\r\n b'), byteLine('Content-Type: application/json'),
        byteLine('Transfer-Encoding: gzip'), byteLine('Transfer-Encoding: chunked, identity'), byteLine('Upgrade: websocket'), byteLine('Connection: upgrade'),
        byteLine('Expect: 100-continue'), byteLine('Expect: nonsense'), byteLine('Host: second.example'), byteLine(`X-Huge: ${'h'.repeat(20_000)}`),
        byteLine('Authorization: Bearer \u00e9t\u00e9')
      )
    ), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ shortBy: fc.constantFrom(1, 10, 1000) }),
  fc.record({ secondLength: fc.constantFrom<'same' | 'different'>('same', 'different') }),
  fc.record({ chunked: fc.constantFrom<'ok' | 'bad-size' | 'no-end'>('ok', 'bad-size', 'no-end') }),
  fc.constant<RawTwist>({ bareLf: true })
)

/** Routes that write back what earlier requests stored: where a value that was accepted but cannot be copied shows. */
const READERS = ['GET /__admin/requests', 'GET /__admin/faults', 'POST /__admin/snapshots', 'GET /__admin/records', 'GET /__admin/webhooks',
  'GET /__admin/policy', 'GET /callback', 'POST /balance/getByAccount']

/**
 * The generators of one emulator's routes. Each route's arbitrary is built once: building them is
 * costly, and a case draws from them thousands of times a second.
 */
export class Generators {
  private readonly known: KnownIds
  private readonly routes: RouteSpec[]
  private readonly values: Record<string, fc.Arbitrary<JsonSpec>>
  private readonly headers: { json: fc.Arbitrary<Array<[string, string]>>, other: fc.Arbitrary<Array<[string, string]>> }
  private readonly steps = new Map<RouteSpec, fc.Arbitrary<Step>>()
  private anyStepArbitrary: fc.Arbitrary<Step> | undefined
  private followUp: fc.Arbitrary<Step> | undefined

  constructor (routes: RouteSpec[], known: KnownIds) {
    this.routes = routes
    this.known = known
    this.values = fieldValues(known)
    this.headers = { json: headersFor(known, true), other: headersFor(known, false) }
  }

  /** One request at a route: mostly well aimed, sometimes with the wrong method, path, framing or bytes. */
  step (route: RouteSpec): fc.Arbitrary<Step> {
    let arbitrary = this.steps.get(route)
    if (arbitrary === undefined) {
      arbitrary = fc.tuple(
        bodyFor(route, this.known, this.values),
        pathFor(route, this.known),
        queryFor(route, this.values),
        sometimes(fc.constantFrom(...ODD_METHODS), 8),
        sometimes(rawTwist, 6),
        this.headers.json,
        this.headers.other
      ).map(([body, path, query, method, twist, jsonHeaders, otherHeaders]) => {
        const json = body.kind !== 'none' && body.kind !== 'bytes' && body.kind !== 'text'
        const step: Step = { route: route.name, method: method ?? route.method, path, query, headers: json ? jsonHeaders : otherHeaders, body }
        if (twist !== null) step.raw = twist
        return step
      })
      this.steps.set(route, arbitrary)
    }
    return arbitrary
  }

  /**
   * A case: one step at `route` (any route when omitted), sometimes followed by one or two steps at
   * any route. Sequences find what one request cannot: a body kept in the journal and then listed,
   * a policy and then a refresh.
   */
  case (route?: RouteSpec): fc.Arbitrary<FuzzCase> {
    this.anyStepArbitrary ??= fc.oneof(...this.routes.map((r) => this.step(r)))
    const readers = this.routes.filter((r) => READERS.includes(r.name))
    this.followUp ??= fc.oneof(
      { weight: 1, arbitrary: this.anyStepArbitrary },
      { weight: 1, arbitrary: fc.oneof(...readers.map((r) => this.step(r))) },
      { weight: 2, arbitrary: fc.constantFrom(...readers.map((r) => this.cleanStep(r))) }
    )
    const first = route === undefined ? this.anyStepArbitrary : this.step(route)
    if (route?.operationId === 'adminLoadScenario') {
      // A scenario is then used, as a test would: where a fixture past the limits once broke a settle or a posting.
      const use = this.scenarioUse()
      return fc.tuple(first, fc.nat({ max: 9 })).map(([step, roll]) => ({ steps: roll < 5 ? [step] : [step, ...use] }))
    }
    return fc.tuple(first, fc.array(this.followUp, { minLength: 1, maxLength: 2 }), fc.nat({ max: 9 }))
      .map(([step, more, roll]) => ({ steps: roll < 6 ? [step] : [step, ...more] }))
  }

  /** A check of the scenario's account, a posting to it, and an advance of 100 years that settles the check. */
  private scenarioUse (): Step[] {
    const account = ((this.known.scenarioDocument['accounts'] as Array<{ _id: string }>)[0] as { _id: string })._id
    const headers: Array<[string, string]> = [['authorization', `Bearer ${this.known.tokens.main}`], ['content-type', 'application/json']]
    const post = (name: string, path: string, value: unknown): Step => ({ route: name, method: 'POST', path, query: '', headers, body: { kind: 'json', spec: { v: value } } })
    return [
      post('POST /balance/check', '/v2/balance/check', { account_id: account }),
      post('POST /__admin/accounts/:id/balance', `/__admin/accounts/${account}/balance`, { posting: 1 }),
      post('POST /__admin/clock/advance', '/__admin/clock/advance', { by: '36500d' }),
    ]
  }

  /** The plain request a test suite would send to a reader, to see what an earlier hostile step left behind. */
  private cleanStep (route: RouteSpec): Step {
    const json = (value: unknown): BodySpec => ({ kind: 'json', spec: { v: value } })
    const body: BodySpec = route.name === 'POST /__admin/snapshots'
      ? json({ name: 'fuzz-probe' })
      : route.name === 'POST /balance/getByAccount'
        ? json({ account: this.known.accounts[0] })
        : { kind: 'none' }
    const headers: Array<[string, string]> = [['authorization', `Bearer ${this.known.tokens.main}`]]
    if (body.kind !== 'none') headers.push(['content-type', 'application/json'])
    const query = route.name === 'GET /callback' ? `record=${this.known.records[0] ?? ''}&method=BALANCE` : ''
    return { route: route.name, method: route.method, path: `${route.prefixes[0] ?? ''}${route.template}`, query, headers, body }
  }
}
