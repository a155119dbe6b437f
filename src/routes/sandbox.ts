import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DomainError } from '../core/errors.js'
import { pageOf, parsePageRequest } from '../core/pagination.js'
import {
  defaultIdentity, SANDBOX_DEFAULTS,
  type InternetSpeed, type SandboxAccountType, type SandboxBank, type SandboxCustomer, type SandboxCustomerInput, type SandboxVolume,
} from '../core/sandbox.js'
import type { Tenant } from '../core/tenant.js'
import { BANK_CATALOGUE, nubanCheckDigit, type BankCatalogueEntry } from '../dataset/banks.js'
import type { OpenApiDocument } from '../openapi/load.js'
import { routeSchema } from '../openapi/schemas.js'
import { ok } from './envelope.js'

/** A body after validation against openapi.yaml: numbers may still be numeric strings (forms). */
type Fields = Record<string, unknown>

const BANKS = new Map(BANK_CATALOGUE.map((entry) => [entry.bank._id, entry]))

function sandboxBank (entry: BankCatalogueEntry): SandboxBank {
  return { fixture: entry.bank, nuban: (serial) => serial + String(nubanCheckDigit(entry.institutionCode, serial)) }
}

/** One create entry as the route takes it, defaults filled in; `n` numbers the tenant's customers, for default names. */
function inputOf (fields: Fields, n: number, at: string): SandboxCustomerInput {
  const entry = BANKS.get(String(fields.bank))
  if (entry === undefined) {
    const field = `${at}bank`
    throw new DomainError('OKRA_EMU_INVALID_FIELD', `Invalid field "${field}": must be the id of a bank Okra lists, such as ${BANK_CATALOGUE[0]?.bank._id ?? ''}`, { field })
  }
  const defaults = defaultIdentity(n)
  const text = (key: 'name' | 'username' | 'password'): string => fields[key] === undefined ? defaults[key] : String(fields[key])
  return {
    noOfAccount: Number(fields.noOfAccount ?? SANDBOX_DEFAULTS.noOfAccount),
    name: text('name'),
    bank: sandboxBank(entry),
    username: text('username'),
    password: text('password'),
    type: (fields.type ?? SANDBOX_DEFAULTS.type) as SandboxAccountType,
    volume: (fields.volume ?? SANDBOX_DEFAULTS.volume) as SandboxVolume,
    identity: Number(fields.identity ?? SANDBOX_DEFAULTS.identity),
    internetSpeed: Number(fields.internetSpeed ?? SANDBOX_DEFAULTS.internetSpeed) as InternetSpeed,
  }
}

/** An input as the create route takes it back: what a generate preview answers. */
function draftOf (input: SandboxCustomerInput) {
  const { noOfAccount, name, bank, username, password, type, volume, identity, internetSpeed } = input
  return { noOfAccount, name, bank: bank.fixture._id, username, password, type, volume, identity, internetSpeed }
}

/** A sandbox customer with its accounts and the balances Okra holds for them now. */
function viewOf (tenant: Tenant, made: SandboxCustomer) {
  const { customer, settings } = made
  return {
    _id: customer._id,
    noOfAccount: settings.noOfAccount,
    name: customer.name,
    bank: settings.bank,
    username: settings.username,
    password: settings.password,
    type: settings.type,
    volume: settings.volume,
    identity: settings.identity,
    internetSpeed: settings.internetSpeed,
    created_at: made.created_at,
    accounts: made.accounts.map((account, i) => {
      const balance = tenant.reader.byId((made.balances[i] as SandboxCustomer['balances'][number])._id, false)
      return {
        _id: account._id,
        name: account.name,
        nuban: account.nuban,
        currency: account.currency,
        balance: balance._id,
        ...(balance.available_balance === undefined ? {} : { available_balance: balance.available_balance }),
        ledger_balance: balance.ledger_balance,
      }
    }),
  }
}

const present = (fields: Fields): Fields => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ''))

/** Okra's sandbox customers: made here, they are customers of the tenant like any in the fixtures. */
export function sandboxRoutes (app: FastifyInstance, doc: OpenApiDocument): void {
  app.post('/sandbox/customers/generate', { schema: routeSchema(doc, 'generateSandboxCustomers') }, async (request) => {
    const body = (request.body ?? {}) as Fields
    const number = Number(body.number ?? 1)
    const create = body.create !== false && body.create !== 'false'
    const { tenant } = request
    const inputs = Array.from({ length: number }, (_, i) => {
      const n = tenant.sandbox.size + i + 1
      return inputOf({ bank: (BANK_CATALOGUE[(n - 1) % BANK_CATALOGUE.length] as BankCatalogueEntry).bank._id }, n, '')
    })
    if (!create) return ok('Sandbox customers generated for review', inputs.map(draftOf))
    return ok('Sandbox customers generated', tenant.addSandboxCustomers(inputs).map((made) => viewOf(tenant, made)))
  })

  app.post('/sandbox/customers/create', {
    schema: routeSchema(doc, 'createSandboxCustomers'),
    // okraInput drops "" from an object body only; Okra's documented body is an array of them.
    preValidation: async (request: FastifyRequest) => {
      if (Array.isArray(request.body)) request.body = request.body.map((item: unknown) => typeof item === 'object' && item !== null && !Array.isArray(item) ? present(item as Fields) : item)
    },
  }, async (request) => {
    const { tenant } = request
    const body = request.body as Fields | Fields[]
    const list = Array.isArray(body) ? body : [body]
    // Every entry is read (and its bank checked) before the first customer is made.
    const inputs = list.map((fields, i) => inputOf(fields, tenant.sandbox.size + i + 1, Array.isArray(body) ? `${i}.` : ''))
    return ok('Sandbox customers created', tenant.addSandboxCustomers(inputs).map((made) => viewOf(tenant, made)))
  })

  app.post('/sandbox/customers/list', { schema: routeSchema(doc, 'listSandboxCustomers') }, async (request) => {
    const { tenant } = request
    const page = pageOf(tenant.sandbox.list(), parsePageRequest((request.body ?? {}) as Fields))
    return ok('Sandbox customers retrieved', { pagination: page.pagination, customers: page.items.map((made) => viewOf(tenant, made)) })
  })

  app.post('/sandbox/customers/get', { schema: routeSchema(doc, 'getSandboxCustomer') }, async (request) => {
    const { tenant } = request
    const id = String((request.body as Fields).customer)
    const made = tenant.sandbox.get(id)
    if (made === undefined) throw new DomainError('OKRA_EMU_CUSTOMER_NOT_FOUND', `No sandbox customer found with id "${id}"`)
    return ok('Sandbox customer retrieved', viewOf(tenant, made))
  })
}
