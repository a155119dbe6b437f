import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { loadOpenApi, operationsById } from '../../src/openapi/load.js'
import { responseBodies, toFastifyRefs } from '../../src/openapi/schemas.js'

const CAP_STATUSES = new Set([409, 413, 503])

/**
 * Validates every response an app sends against openapi.yaml. Installed by the test helpers on every
 * server the suite starts, so every response any test sees (through undici, inject or the okra-node
 * SDK) is checked; the helpers fail the test when anything drifted.
 */
export class ContractChecker {
  readonly violations: string[] = []
  readonly checked = new Map<string, number>()
  private readonly ajv: Ajv
  private readonly byRoute = new Map<string, Map<string, ValidateFunction>>()
  private readonly errorValidator: ValidateFunction

  constructor () {
    const doc = loadOpenApi()
    this.ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true, keywords: ['x-error-message', 'example'] })
    addFormats.default(this.ajv)
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      this.ajv.addSchema({ $id: name, ...toFastifyRefs(schema) })
    }
    this.errorValidator = this.ajv.getSchema('Error#') as ValidateFunction
    for (const located of operationsById(doc).values()) {
      const responses = responseBodies(doc, located.operation)
      const validators = new Map(Object.entries(responses).map(([status, schema]) => [status, this.ajv.compile(toFastifyRefs(schema))]))
      const fastifyPath = located.path.replace(/\{(\w+)\}/g, ':$1')
      for (const server of located.servers) this.byRoute.set(`${located.method.toUpperCase()} ${server}${fastifyPath}`, validators)
    }
  }

  install (app: FastifyInstance): void {
    app.addHook('onSend', async (request, reply, payload) => {
      const route = `${request.method} ${request.routeOptions.url ?? ''}`
      this.check(route, reply.statusCode, payload, reply.getHeader('x-okra-emulator-fault') !== undefined)
      return payload
    })
  }

  /** `injected`: a fault rule's answer, whose status is whatever the rule says. */
  check (route: string, status: number, payload: unknown, injected = false): void {
    const validators = this.byRoute.get(route)
    if (validators === undefined && status < 400) return // docs, openapi.json, preflight: not Okra's contract
    // A cap (per-tenant limits, --max-tenants, a failing --db, the body limits) must be in the route's documented answers.
    if (validators !== undefined && !injected && CAP_STATUSES.has(status) && !validators.has(String(status))) {
      this.violations.push(`${route} answered ${status}, which openapi.yaml does not list among its responses`)
    }
    const validate = validators?.get(String(status)) ?? (status >= 400 ? this.errorValidator : undefined)
    if (validate === undefined) {
      this.violations.push(`${route} answered ${status}, which openapi.yaml does not document`)
      return
    }
    let body: unknown
    try {
      body = JSON.parse(String(payload))
    } catch {
      this.violations.push(`${route} answered ${status} with a body that is not JSON`)
      return
    }
    if (!validate(body)) {
      this.violations.push(`${route} ${status}: ${this.ajv.errorsText(validate.errors)}`)
    }
    this.checked.set(`${route} ${status}`, (this.checked.get(`${route} ${status}`) ?? 0) + 1)
  }
}
