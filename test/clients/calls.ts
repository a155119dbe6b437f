import { expect } from 'vitest'
import { fx } from './fixture-values.js'
import { expectNotJson, expectPage, expectStarted, expectTheBalance, goDecodeErrors, type Answer, type GoType } from './reads.js'

/**
 * Every Balance call of each Okra client the emulator does not run itself, written as the exact request
 * the client's source builds (base URL prefix, content type, key spellings and order, numbers as the
 * client types them, empty strings) and the fields its code then reads. okra-node 0.2.0 and 0.1.17 run
 * unchanged in okra-node-sdk.test.ts instead.
 *
 * outcome:
 * - works: answered, and the fields the client reads hold what the fixtures say.
 * - awaiting: a route another change is adding; today a 404. When it lands the call moves to `works`.
 * - client-bug: fails by the client's own mistake; `why` says which, `reads` checks the exact answer.
 * - not-served: a route outside the Balance product the emulator does not serve (a 404).
 */
type Outcome = 'works' | 'awaiting' | 'client-bug' | 'not-served'

interface ClientInfo { name: string, version: string, source: string }

export interface Call {
  client: ClientInfo
  /** The client's own function or method name. */
  call: string
  method: 'GET' | 'POST'
  /** From the root: the client's base prefix, the route and any query string. `{record}` is a completed refresh's record. */
  path: string
  headers: Record<string, string>
  body?: string
  outcome: Outcome
  why?: string
  reads?: (answer: Answer) => void
}

/** A call the client cannot send at all: it throws before any request. */
interface UnsentCall { client: ClientInfo, call: string, why: string }

/** A call as the table writes it: what differs from the client's defaults. */
type Entry = Partial<Call> & Pick<Call, 'call' | 'path'>
const calls = (defaults: Omit<Partial<Call>, 'client'> & Pick<Call, 'client'>, entries: Entry[]): Call[] =>
  entries.map((entry) => ({ method: 'POST', outcome: 'works', headers: {}, ...defaults, ...entry }))

/** Python's json.dumps with its default separators (", " and ": "), which requests and httpx send. */
function py (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(py).join(', ')}]`
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`).join(', ')}}`
  return JSON.stringify(value)
}
const json = (value: unknown) => JSON.stringify(value)
const form = (pairs: Record<string, string>) => new URLSearchParams(pairs).toString()

const token = (client: ClientInfo) => `sk_test_${client.source.replace(/[^a-z0-9]+/gi, '_')}`
const bearer = (client: ClientInfo) => `Bearer ${token(client)}`

// The clients' own sandbox-customer example: one customer, Okra's documented fields.
const SANDBOX_CUSTOMER = { noOfAccount: 2, name: 'Ada Obi', bank: fx.bank, username: 'ada', password: 'secret', type: 'ind', volume: 'low', identity: 1, internetSpeed: 2 }

// ---- okra-node 0.1.2 (2020): getBy* filters in the query string of a POST with no body ----------------
const OKRA_NODE_012: ClientInfo = { name: 'okra-node', version: '0.1.2 (2020, 05c36a5)', source: 'okraHQ/okra-node@05c36a5' }
const axios019 = { accept: 'application/json, text/plain, */*', 'user-agent': 'axios/0.19.0', authorization: bearer(OKRA_NODE_012) }
const axios019Json = { ...axios019, 'content-type': 'application/json;charset=utf-8' }
const axios019Query = { ...axios019, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }
const okraNode012 = calls({ client: OKRA_NODE_012 }, [
  // Success is `status === "success"`; products/* hand back data.data, getBy* the whole envelope.
  { call: 'getBalances', path: '/v1/products/balances', headers: axios019Json, body: '{}', reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'getBalanceById', path: `/v1/balance/getById?id=${fx.balance._id}`, headers: axios019Query, body: '', reads: expectTheBalance },
  { call: 'getBalanceByCustomer', path: `/v1/balance/getByCustomer?customer=${fx.customer}&page=1&limit=5`, headers: axios019Query, body: '', reads: (a) => expectPage(a, fx.customerIds, { limit: 5 }) },
  { call: 'getBalanceByAccount', path: `/v1/balance/getByAccount?account=${fx.account}&page=1&limit=1`, headers: axios019Query, body: '', reads: (a) => expectPage(a, fx.accountIds, { limit: 1 }) },
  { call: 'getBalanceByDate', path: `/v1/balance/getByDate?from=${fx.from}&to=${fx.to}&page=1&limit=10`, headers: axios019Query, body: '', reads: (a) => expectPage(a, fx.dayIds) },
  { call: 'getBalanceByType', path: '/v1/balance/getByType?type=ledger_balance&value=2000&page=1&limit=10', headers: axios019Query, body: '', reads: (a) => expectPage(a, fx.ledgerFrom2000Ids) },
  { call: 'getBalanceByCustomerDate', path: `/v1/balance/getByCustomerDate?customer=${fx.customer}&from=${fx.from}&to=${fx.to}&page=1&limit=10`, headers: axios019Query, body: '', reads: (a) => expectPage(a, fx.customerDayIds) },
  {
    call: 'getRecordByMethod',
    method: 'GET',
    path: '/v1/callback?record={record}&method=BALANCE',
    headers: axios019,
    reads: (a) => {
      expect([a.status, a.json.status]).toStrictEqual([200, 'success'])
      expect([a.json.data.balance._id, a.json.data.balance.account._id]).toStrictEqual([fx.balance._id, fx.account])
    },
  },
  { call: 'getBalanceByOptions', path: '/v1/balance/byOptions?options=%7B%22first_name%22:%22Ada%22,%22last_name%22:%22Obi%22%7D&page=1&limit=10', headers: axios019Query, body: '', outcome: 'awaiting' },
  { call: 'getPeriodicBalance', path: '/v1/products/balance/periodic', headers: axios019Json, body: json({ record_id: fx.record, account_id: fx.account, currency: 'NGN' }), outcome: 'awaiting' },
  { call: 'getRecords', path: '/v1/products/records', headers: axios019Json, body: json({ page: 1, limit: 10 }), outcome: 'not-served', why: 'lists every record of the company: not a Balance route' },
])

// ---- Uchencho/okra_py: requests with json=, page 1 and limit 20 by default ---------------------------
const OKRA_PY: ClientInfo = { name: 'okra_py', version: 'master (553c782)', source: 'Uchencho/okra_py' }
const requestsHeaders = { 'user-agent': 'python-requests/2.25.1', 'accept-encoding': 'gzip, deflate', accept: '*/*' }
const okraPyHeaders = { ...requestsHeaders, 'content-type': 'application/json', authorization: bearer(OKRA_PY) }
const okraPy = calls({ client: OKRA_PY, headers: okraPyHeaders }, [
  // It returns the raw requests Response; a caller reads response.json().
  { call: 'retrieve_balance', path: '/sandbox/v1/products/balances', headers: { ...okraPyHeaders, 'content-length': '0' }, body: '', reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'getbyID', path: '/sandbox/v1/balance/getById', body: py({ id: fx.balance._id, page: 1, limit: 20 }), reads: expectTheBalance },
  { call: 'getbyCustomer', path: '/sandbox/v1/balance/getByCustomer', body: py({ page: 1, limit: 20, customer: fx.customer }), reads: (a) => expectPage(a, fx.customerIds, { limit: 20 }) },
  { call: 'getbyAccount', path: '/sandbox/v1/balance/getByAccount', body: py({ page: 1, limit: 20, account: fx.account }), reads: (a) => expectPage(a, fx.accountIds, { limit: 20 }) },
  // Its docstring gives the amount as a string ("4000").
  { call: 'getbyType', path: '/sandbox/v1/balance/getByType', body: py({ page: 1, limit: 20, type: 'ledger_balance', amount: '2000' }), reads: (a) => expectPage(a, fx.ledgerFrom2000Ids, { limit: 20 }) },
  { call: 'getbyCustomerDate', path: '/sandbox/v1/balance/getByCustomerDate', body: py({ page: 1, limit: 20, to: fx.to, from: fx.from, customer: fx.customer }), reads: (a) => expectPage(a, fx.customerDayIds, { limit: 20 }) },
  { call: 'getbyOptions', path: '/sandbox/v1/balance/byOptions', body: py({ page: 1, limit: 20, options: { first_name: 'Uchencho', last_name: 'Nwa Alozie' } }), outcome: 'awaiting' },
  { call: 'getRealTimeBalance', path: '/sandbox/v1/products/balance/periodic', body: py({ currency: 'NGN', record_id: fx.record, account_id: fx.account }), outcome: 'awaiting' },
])

// ---- olakayCoder1/pyokra: the raw secret as Authorization, data=json.dumps(...) ----------------------
const PYOKRA_OLAKAY: ClientInfo = { name: 'pyokra (olakayCoder1)', version: 'master (e748e63)', source: 'olakayCoder1/pyokra' }
const olakayHeaders = { ...requestsHeaders, 'content-type': 'application/json', authorization: token(PYOKRA_OLAKAY) }
const pyokraOlakay = calls({ client: PYOKRA_OLAKAY, headers: olakayHeaders }, [
  { call: 'Balance.getById', path: '/sandbox/v2/balance/getById', body: py({ id: fx.balance._id, includePeriodic: true }), reads: (a) => { expectTheBalance(a); expect(a.json.data.balance[0].periodic).toStrictEqual(fx.balance.periodic) } },
  { call: 'Balance.getByCustomer', path: '/sandbox/v2/balance/getByCustomer', body: py({ id: fx.customer, includePeriodic: true, page: 1, limit: 5 }), reads: (a) => expectPage(a, fx.customerIds, { limit: 5 }) },
  { call: 'Balance.refresh', path: '/sandbox/v2/balance/refresh', body: py({ account_id: fx.account }), reads: (a) => expectStarted(a, '/sandbox/v2', 'BALANCE') },
  { call: 'Balance.checkBalance', path: '/sandbox/v2/balance/check', body: py({ account_id: fx.account, record_id: fx.record }), reads: (a) => expectStarted(a, '/sandbox/v2', 'CHECK_BALANCE') },
  { call: 'Balance.checkAccountBalance', path: '/sandbox/v2/balance/getByAccount', body: py({ page: 1, limit: 1, includePeriodic: true, account_id: fx.account }), reads: (a) => expectPage(a, fx.accountIds, { limit: 1 }) },
])

// ---- gray-adeyi/pyokra: httpx 0.24, base .../v2/sandbox in its default DEVELOPMENT mode ---------------
const PYOKRA_GRAY: ClientInfo = { name: 'pyokra (gray-adeyi)', version: '0.1.0 (6bd6ec6)', source: 'gray-adeyi/pyokra' }
const grayHeaders = { 'accept-encoding': 'gzip, deflate', authorization: bearer(PYOKRA_GRAY), accept: 'application/json; charset=utf-8', 'content-type': 'application/json', 'user-agent': 'PyOkra 0.1.0' }
// httpx form-encodes `data=` but keeps the JSON content type the client set: a body no JSON parser reads.
const FORM_AS_JSON = 'sends `data=` (form-encoded) under its own `content-type: application/json`'
const pyokraGray = calls({ client: PYOKRA_GRAY, headers: grayHeaders }, [
  { call: 'Balance.get_by_id', path: '/v2/sandbox/balance/getById', body: form({ id: fx.balance._id, includePeriodic: 'true' }), outcome: 'client-bug', why: FORM_AS_JSON, reads: expectNotJson },
  { call: 'Balance.get_by_customer', path: '/v2/sandbox/balance/getByCustomer', body: form({ customer: fx.customer, page: '1', limit: '5', includePeriodic: 'true' }), outcome: 'client-bug', why: FORM_AS_JSON, reads: expectNotJson },
  // `limit: int` in its dict makes the key the limit (1) and the value the type `int`.
  { call: 'Balance.get_by_account', path: '/v2/sandbox/balance/getByAccount', body: `${form({ account_id: fx.account, page: '1' })}&1=%3Cclass+%27int%27%3E&includePeriodic=true`, outcome: 'client-bug', why: `${FORM_AS_JSON}; its limit key is \`limit: int\``, reads: expectNotJson },
  { call: 'Balance.get_by_customer_date', path: '/v2/sandbox/balance/getByCustomerDate', body: py({ from: fx.from, to: fx.to, customer: fx.customer, page: 1, limit: 10 }), reads: (a) => expectPage(a, fx.customerDayIds) },
  {
    call: 'Balance.get_by_date',
    path: '/v2/sandbox/balance/getByDate',
    body: py({ from: fx.from, to: fx.to, page: 1, limit: 10, includePeriodic: false }),
    reads: (a) => { expectPage(a, fx.dayIds); expect(a.json.data.balance.filter((b: object) => 'periodic' in b)).toStrictEqual([]) },
  },
  { call: 'Balance.refresh', path: '/v2/sandbox/balance/refresh', body: py({ account_id: fx.account }), reads: (a) => expectStarted(a, '/v2/sandbox', 'BALANCE') },
  { call: 'Balance.check', path: '/v2/sandbox/balance/check', body: py({ account_id: fx.account, record_id: fx.record }), reads: (a) => expectStarted(a, '/v2/sandbox', 'CHECK_BALANCE') },
  { call: 'Balance.get_by_options', path: '/v2/sandbox/balance/byOptions', body: py({ options: { tester_id: 'tester-1' } }), outcome: 'awaiting' },
  // Its base already ends in /sandbox, and it adds /sandbox/customers/... to it.
  { call: 'Sandbox.create_customers', path: '/v2/sandbox/sandbox/customers/create', body: py([SANDBOX_CUSTOMER]), outcome: 'awaiting' },
  { call: 'Sandbox.list_customers', path: '/v2/sandbox/sandbox/customers/list', headers: { ...grayHeaders, 'content-length': '0' }, body: '', outcome: 'awaiting' },
  { call: 'Sandbox.view_customers', path: '/v2/sandbox/sandbox/customers/get', body: py({ customer: fx.customer }), outcome: 'awaiting' },
  { call: 'Sandbox.auto_generate', path: '/v2/sandbox/sandbox/customers/generate', body: py({ create: true }), outcome: 'awaiting' },
])

// ---- NonsoAmadi10/Okra: requests with data={...}, base /v1/ unless ENV=prod (which picks the sandbox) --
const NONSO: ClientInfo = { name: 'Okra (NonsoAmadi10)', version: 'master (ce0c987)', source: 'NonsoAmadi10/Okra' }
const nonsoHeaders = { ...requestsHeaders, authorization: bearer(NONSO), 'content-type': 'application/json' }
const NONSO_FORM = 'sends `data={...}` (form-encoded) under its own `content-type: application/json`'
// validate_dates hands the parsed datetimes on, so the form carries "YYYY-MM-DD 00:00:00".
const midnight = (d: string) => `${d} 00:00:00`
const nonso = calls({ client: NONSO, headers: nonsoHeaders }, [
  { call: 'Balance.get_balances', path: '/v1/products/balances', headers: { ...nonsoHeaders, 'content-length': '0' }, body: '', reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'Balance.by_id', path: '/v1/balance/getById', body: form({ id: fx.balance._id }), outcome: 'client-bug', why: NONSO_FORM, reads: expectNotJson },
  { call: 'Balance.by_customer', path: '/v1/balance/getByCustomer', body: form({ customer: fx.customer }), outcome: 'client-bug', why: NONSO_FORM, reads: expectNotJson },
  { call: 'Balance.by_account_id', path: '/v1/balance/getByAccount', body: form({ account: fx.account }), outcome: 'client-bug', why: NONSO_FORM, reads: expectNotJson },
  { call: 'Balance.by_date_range', path: '/v1/balance/getByDate', body: form({ from: midnight(fx.from), to: midnight(fx.to) }), outcome: 'client-bug', why: `${NONSO_FORM}; dates as "YYYY-MM-DD 00:00:00"`, reads: expectNotJson },
  { call: 'Balance.by_customer_date', path: '/v1/balance/getByCustomerDate', body: form({ from: midnight(fx.from), to: midnight(fx.to), customer: fx.customer }), outcome: 'client-bug', why: `${NONSO_FORM}; dates as "YYYY-MM-DD 00:00:00"`, reads: expectNotJson },
  { call: 'Balance.get_periodic', path: '/v1/products/balance/periodic', body: form({ account_id: fx.account, record_id: fx.record, currency: 'NGN' }), outcome: 'client-bug', why: `${NONSO_FORM} (a route still to come; the body fails first)`, reads: expectNotJson },
  { call: 'Records.get_all', path: '/v1/products/records', headers: { ...nonsoHeaders, 'content-length': '0' }, body: '', outcome: 'not-served', why: 'lists every record of the company: not a Balance route' },
])

// ---- mmuoDev/okra-php-wrapper: Guzzle 6, json_encode'd body, limit 10 --------------------------------
const MMUO: ClientInfo = { name: 'okra-php-wrapper', version: 'master (d490579)', source: 'mmuoDev/okra-php-wrapper' }
const mmuoHeaders = { 'user-agent': 'GuzzleHttp/6.5.5 curl/7.68.0 PHP/7.4.3', 'content-type': 'application/json', authorization: bearer(MMUO) }
// "All records" mode reads data.data.balances on every page of getByDate and getByType, which answer `balance`.
const readsBalancesKey = (ids: string[]) => (a: Answer) => { expectPage(a, ids); expect(a.json.data.balances).toBeUndefined() }
const mmuo = calls({ client: MMUO, headers: mmuoHeaders }, [
  // It returns the envelope whole when the status code is 200.
  { call: 'getAllBalance', path: '/v1/products/balances', body: '{"pdf":false}', reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'getBalanceById', path: '/v1/balance/getById', body: json({ id: fx.balance._id }), reads: expectTheBalance },
  { call: 'getBalanceByCustomerId', path: '/v1/balance/getByCustomer', body: json({ customer: fx.customer }), reads: (a) => expectPage(a, fx.customerIds) },
  { call: 'getBalanceByAccountId', path: '/v1/balance/getByAccount', body: json({ account: fx.account }), reads: (a) => expectPage(a, fx.accountIds) },
  { call: 'getBalanceByDateRange', path: '/v1/balance/getByDate', body: json({ from: fx.from, to: fx.to, page: 1, limit: 10 }), reads: (a) => expectPage(a, fx.dayIds) },
  // `float $value`: json_encode writes 2000.0.
  { call: 'getBalanceByType', path: '/v1/balance/getByType', body: '{"type":"ledger_balance","value":2000.0,"page":1,"limit":10}', reads: (a) => expectPage(a, fx.ledgerFrom2000Ids) },
  { call: 'getBalanceByDateRange (all records)', path: '/v1/balance/getByDate', body: json({ from: fx.firstDay, to: fx.lastDay, page: 1, limit: 10 }), outcome: 'client-bug', why: 'reads `data.balances` on each page; Okra\'s getBy* list is `balance`', reads: readsBalancesKey(fx.allIds) },
  { call: 'getBalanceByType (all records)', path: '/v1/balance/getByType', body: '{"type":"ledger_balance","value":2000.0,"page":1,"limit":10}', outcome: 'client-bug', why: 'reads `data.balances` (Okra\'s list is `balance`) and asks for the same page on every turn of its loop', reads: readsBalancesKey(fx.ledgerFrom2000Ids) },
])

// ---- Horlarmeday/okra-php: Guzzle 7 'json', limit 20, production base /v1/ by default -----------------
const HORLA: ClientInfo = { name: 'okra-php (Horlarmeday)', version: 'master (8d15b90)', source: 'Horlarmeday/okra-php' }
const horlaHeaders = { 'user-agent': 'GuzzleHttp/7', authorization: bearer(HORLA), 'content-type': 'application/json' }
// The answer is right; the client then returns json_decode's stdClass from a method declared `: array`.
const STDCLASS = 'returns json_decode\'s stdClass from a method declared `: array`: PHP throws a TypeError after a correct answer'
const horla = calls({ client: HORLA, outcome: 'client-bug', why: STDCLASS, headers: horlaHeaders }, [
  { call: 'getBalance', path: '/v1/products/balances', body: '{"pdf":false}', reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'getBalanceByCustomer', path: '/v1/balance/getByCustomer', body: json({ customer: fx.customer, page: 1, limit: 20 }), reads: (a) => expectPage(a, fx.customerIds, { limit: 20 }) },
  { call: 'getBalanceByAccount', path: '/v1/balance/getByAccount', body: json({ account: fx.account, page: 1, limit: 20 }), reads: (a) => expectPage(a, fx.accountIds, { limit: 20 }) },
  { call: 'getBalanceByDateRange', path: '/v1/balance/getByDate', body: json({ from: fx.from, to: fx.to, page: 1, limit: 20 }), reads: (a) => expectPage(a, fx.dayIds, { limit: 20 }) },
  { call: 'getBalanceByType', path: '/v1/balance/getByType', body: json({ type: 'ledger_balance', amount: 2000, page: 1, limit: 20 }), reads: (a) => expectPage(a, fx.ledgerFrom2000Ids, { limit: 20 }) },
  { call: 'getBalanceByCustomerDate', path: '/v1/balance/getByCustomerDate', body: json({ customer: fx.customer, from: fx.from, to: fx.to, page: 1, limit: 20 }), reads: (a) => expectPage(a, fx.customerDayIds, { limit: 20 }) },
  { call: 'getPeriodicBalance', path: '/v1/products/balance/periodic', body: json({ account_id: fx.account, record_id: fx.record, currency: 'NGN' }), outcome: 'awaiting' },
])

// ---- okraHQ/okra-ruby: HTTParty, string-keyed hashes to_json'd, sandbox base by default -----------------
const RUBY: ClientInfo = { name: 'okra-ruby', version: 'master (4384d94)', source: 'okraHQ/okra-ruby' }
const rubyHeaders = { 'accept-encoding': 'gzip;q=1.0,deflate;q=0.6,identity;q=0.3', accept: '*/*', 'user-agent': 'Ruby', 'content-type': 'application/json', authorization: bearer(RUBY) }
const ruby = calls({ client: RUBY, headers: rubyHeaders }, [
  { call: 'Balance#fetch_balance', path: '/v2/sandbox/products/balances', body: json({ page: 1, limit: 10 }), reads: (a) => expectPage(a, fx.allIds, { key: 'balances', message: 'Balances successfully retrieved' }) },
  { call: 'Balance#get_by_id', path: '/v2/sandbox/balance/getBalanceById', body: json({ id: fx.balance._id }), reads: expectTheBalance },
  { call: 'Balance#get_by_customer', path: '/v2/sandbox/balance/getByCustomer', body: json({ customer: fx.customer }), reads: (a) => expectPage(a, fx.customerIds) },
  { call: 'Balance#get_by_date', path: '/v2/sandbox/balance/getByDate', body: json({ from: fx.from, to: fx.to }), reads: (a) => expectPage(a, fx.dayIds) },
  {
    call: 'Balance#get_by_account',
    path: '/v2/sandbox/balance/getByAccount',
    body: json({ bank: fx.bank }),
    outcome: 'client-bug',
    why: 'requires `bank` and not the account: only a caller who adds `account` too gets an answer',
    reads: (a) => expect([a.status, a.text]).toStrictEqual([400, '{"status":"error","message":"The request body needs \\"account\\" or \\"account_id\\"","data":{"field":""}}']),
  },
  { call: 'Balance#get_by_customerDate', path: '/v2/sandbox/balance/getByCustomerDate', body: json({ to: fx.to, from: fx.from, customer: fx.customer }), reads: (a) => expectPage(a, fx.customerDayIds) },
  { call: 'Balance#enhanced_balance', path: '/v2/sandbox/balance/process', body: json({ account_id: fx.account, customer_id: fx.customer }), outcome: 'awaiting' },
])

// ---- Uchencho/OkraGo: one struct for every body, all fourteen keys always sent, unused ones "" ----------
const GO: ClientInfo = { name: 'OkraGo', version: 'master (9b04bc8)', source: 'Uchencho/OkraGo' }
const goHeaders = { 'user-agent': 'Go-http-client/1.1', authorization: bearer(GO), 'content-type': 'application/json;charset=utf-8', 'accept-encoding': 'gzip' }
function goPayload (fields: Record<string, string>): string {
  const keys = ['page', 'limit', 'customer', 'customer_id', 'from', 'to', 'bank', 'id', 'account', 'type', 'amount', 'account_id', 'record_id', 'currency']
  return json(Object.fromEntries(keys.map((k) => [k, fields[k] ?? ''])))
}
// The fields of OkraGo's response structs (response.go) the decoder types; the rest it ignores.
const goPagination: GoType = { totalDocs: 'int', limit: 'int', hasPrevPage: 'bool', hasNextPage: 'bool', page: 'int', totalPages: 'int', pagingCounter: 'int', prevPage: 'any', nextPage: 'any' }
const goBalance: GoType = {
  periodic: { available_balance: ['any'], ledger_balance: ['any'] },
  connected: ['string'],
  owner: ['string'],
  _id: 'string',
  account: { _id: 'string', name: 'string' },
  __v: 'int',
  available_balance: 'int',
  created_at: 'time',
  currency: 'string',
  customer: { _id: 'string', name: 'string' },
  env: 'string',
  last_updated: 'time',
  ledger_balance: 'float64',
}
const goEnvelope = (data: GoType): GoType => ({ status: 'string', message: 'string', data })
const GO_INT = 'decodes `available_balance` into a Go `int`: a balance with kobo (as Okra\'s own samples have) fails Unmarshal'
/** The decode errors OkraGo meets on this page: one per balance whose available balance has kobo. */
const goReads = (ids: string[], shape: GoType, options: Parameters<typeof expectPage>[2] = {}) => (a: Answer) => {
  expectPage(a, ids, options)
  const key = options.key ?? 'balance'
  const onPage: string[] = a.json.data[key].map((b: { _id: string }) => b._id)
  const expected = onPage.flatMap((id, i) => fx.fractionalAvailableIds.includes(id) ? [`$.data.${key}[${i}].available_balance`] : [])
  expect(expected.length).toBeGreaterThan(0)
  expect(goDecodeErrors(a.json, shape).filter((e) => e.includes('available_balance')).map((e) => e.split(':')[0])).toStrictEqual(expected)
}
const okraGo = calls({ client: GO, outcome: 'client-bug', why: GO_INT, headers: goHeaders }, [
  // json.Marshal(nil): the body is the four bytes `null`.
  {
    call: 'RetrieveBalance',
    path: '/sandbox/v1/products/balances',
    body: 'null',
    why: `${GO_INT}; and \`connected\` into a bool`,
    reads: goReads(fx.allIds, goEnvelope({ pagination: 'any', balances: [{ ...goBalance as object, id: 'string', connected: 'bool' }] }), { key: 'balances', message: 'Balances successfully retrieved' }),
  },
  { call: 'BalanceByID', path: '/sandbox/v1/balance/getById', body: goPayload({ page: '1', limit: '10', id: fx.balance._id }), reads: goReads([fx.balance._id], goEnvelope({ pagination: { ...goPagination as object, prevPage: 'string', nextPage: 'string' }, balance: [goBalance] }), { limit: 1 }) },
  { call: 'BalanceByCustomer', path: '/sandbox/v1/balance/getByCustomer', body: goPayload({ page: '1', limit: '10', customer: fx.customer }), reads: goReads(fx.customerIds, goEnvelope({ pagination: goPagination, balance: [goBalance] })) },
  { call: 'BalanceByAccount', path: '/sandbox/v1/balance/getByAccount', body: goPayload({ page: '1', limit: '10', account: fx.account }), reads: goReads(fx.accountIds, goEnvelope({ pagination: goPagination, balance: [goBalance] })) },
  { call: 'BalanceByCustomerDate', path: '/sandbox/v1/balance/getByCustomerDate', body: goPayload({ page: '1', limit: '10', from: fx.from, to: fx.to, customer: fx.customer }), reads: goReads(fx.customerDayIds, goEnvelope({ pagination: goPagination, balance: [goBalance] })) },
  // Returns the body as a string: nothing to mistype.
  { call: 'BalanceByType', path: '/sandbox/v1/balance/getByType', body: goPayload({ page: '1', limit: '10', type: 'ledger_balance', amount: '2000' }), outcome: 'works', reads: (a) => expectPage(a, fx.ledgerFrom2000Ids) },
  { call: 'BalanceByOptions', path: '/sandbox/v1/balance/byOptions', body: json({ page: '1', limit: '10', options: { first_name: 'Ada', last_name: 'Obi' } }), outcome: 'awaiting' },
  { call: 'PeriodicBalance', path: '/sandbox/v1/products/balance/periodic', body: goPayload({ currency: 'NGN', record_id: fx.record, account_id: fx.account }), outcome: 'awaiting' },
])

// ---- ibroraheem/okra-node: axios 1.x, base given by the caller (here Okra's /v2) -----------------------
const IBRO: ClientInfo = { name: 'okra-node (ibroraheem)', version: '1.0.0 (2b34f1d)', source: 'ibroraheem/okra-node' }
const ibroHeaders = { accept: 'application/json; charset=utf-8', 'content-type': 'application/json', authorization: bearer(IBRO), 'user-agent': 'axios/1.5.1', 'accept-encoding': 'gzip, compress, deflate, br' }
const ibro = calls({ client: IBRO, headers: ibroHeaders }, [
  // sendRequest returns response.data: the envelope.
  { call: 'getBalanceById', path: '/v2/balance/getById', body: json({ id: fx.balance._id }), reads: expectTheBalance },
  { call: 'getBalanceByCustomer', path: '/v2/balance/getByCustomer', body: json({ customer: fx.customer, page: 1, limit: 5 }), reads: (a) => expectPage(a, fx.customerIds, { limit: 5 }) },
  { call: 'balanceCheck', path: '/v2/balance/check', body: json({ account_id: fx.account, record_id: fx.record }), reads: (a) => expectStarted(a, '/v2', 'CHECK_BALANCE') },
  { call: 'getBalanceByAccount', path: '/v2/balance/getByAccount', body: json({ account_id: fx.account, page: 1, limit: 1 }), reads: (a) => expectPage(a, fx.accountIds, { limit: 1 }) },
  { call: 'getBalanceByCustomerDate', path: '/v2/balance/getByCustomerDate', body: json({ from: fx.from, to: fx.to, customer: fx.customer, page: 1, limit: 10 }), reads: (a) => expectPage(a, fx.customerDayIds) },
  { call: 'getBalanceByDate', path: '/v2/balance/getByDate', body: json({ from: fx.from, to: fx.to, page: 1, limit: 10 }), reads: (a) => expectPage(a, fx.dayIds) },
  { call: 'balanceByOptions', path: '/v2/balance/byOptions', body: json({ options: { tester_id: 'tester-1' } }), outcome: 'awaiting' },
  { call: 'createSandboxCustomers', path: '/v2/sandbox/customers/create', body: json([SANDBOX_CUSTOMER]), outcome: 'awaiting' },
  { call: 'listSandboxCustomers', path: '/v2/sandbox/customers/list', headers: { ...ibroHeaders, 'content-length': '0' }, body: '', outcome: 'awaiting' },
  { call: 'getSandboxCustomer', path: '/v2/sandbox/customers/get', body: json({ customer: fx.customer }), outcome: 'awaiting' },
  { call: 'generateSandboxCustomers', path: '/v2/sandbox/customers/generate', body: json({ create: true, number: 2 }), outcome: 'awaiting' },
])

export const CALLS: Call[] = [...okraNode012, ...okraPy, ...pyokraOlakay, ...pyokraGray, ...nonso, ...mmuo, ...horla, ...ruby, ...okraGo, ...ibro]

export const UNSENT: UnsentCall[] = [
  { client: NONSO, call: 'Balance.by_type', why: 'its @validate_id wrapper takes one argument and by_type two: a TypeError before any request (and its URL is getByDate\'s)' },
  { client: RUBY, call: 'Balance#balance_refresh', why: 'reads an undefined `data`: a NameError before any request' },
  { client: RUBY, call: 'Balance#balance_check', why: 'reads an undefined `data`: a NameError before any request' },
]

export const tokenOf = token
