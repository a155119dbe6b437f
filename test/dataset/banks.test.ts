import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { FixtureFile } from '../../src/core/fixture.js'
import { BANK_CATALOGUE, nubanCheckDigit } from '../../src/dataset/banks.js'

/** Okra's bank ids and names as its bank list gave them (okra-api.md §14), typed here apart from the catalogue. */
const OKRA_BANKS: Record<string, string> = {
  '5d6fe57a4099cc4b210bbeae': 'Ecobank Nigeria',
  '5d6fe57a4099cc4b210bbeb0': 'Fidelity Bank',
  '5d6fe57a4099cc4b210bbeb1': 'First Bank of Nigeria',
  '5d6fe57a4099cc4b210bbeb2': 'First City Monument Bank',
  '5d6fe57a4099cc4b210bbeb3': 'Guaranty Trust Bank',
  '5d6fe57a4099cc4b210bbeb4': 'Heritage Bank',
  '5d6fe57a4099cc4b210bbeb5': 'Polaris Bank',
  '5d6fe57a4099cc4b210bbeb6': 'Stanbic IBTC Bank',
  '5d6fe57a4099cc4b210bbeb7': 'Standard Chartered Bank',
  '5d6fe57a4099cc4b210bbeb8': 'Sterling Bank',
  '5d6fe57a4099cc4b210bbeb9': 'Union Bank of Nigeria',
  '5d6fe57a4099cc4b210bbeba': 'Keystone Bank',
  '5d6fe57a4099cc4b210bbebb': 'United Bank For Africa',
  '5d6fe57a4099cc4b210bbebc': 'Wema Bank',
  '5d6fe57a4099cc4b210bbebd': 'Unity Bank',
  '5d6fe57a4099cc4b210bbebe': 'Alat',
  '5d6fe57a4099cc4b210bbebf': 'Providus Bank',
  '5d6fe57a4099cc4b210bbec0': 'Access Bank',
  '5d6fe57a4099cc4b210bbec2': 'Zenith Bank',
  '5f0cf73e8a8bcc18b8156ad7': 'Kuda Bank',
  '5f11487e847b28538bfc6c5f': 'Rubies Bank',
  '5f63f473d550180010a14bf1': 'Diamond Bank',
  '5fad03e18a795405d628156f': 'V Bank',
  '5fb906f78c486a00b987ec06': 'Jaiz Bank',
  '610080715958c61031f37737': 'Titan Trust Bank',
  '6101a35312015634f5c23adf': 'Paga',
  '61187bdc92628e026f7ddb5f': 'Paystack',
  '611e3b8632657e7e2dd15636': 'Carbon',
  '611ff0ee412b11f1b2143bc5': 'CitiBank Nigeria',
  '611ff0f4412b11f1b2143d6f': 'SunTrust Bank',
  '611ff0f5412b11f1b2143d9e': 'Globus Bank',
  '611ff0f9412b11f1b2143e67': 'OPAY',
  '611ff0fc412b11f1b2143f44': 'GoMoney',
  '611ff0fc412b11f1b2143f7c': '9 PAYMENT SERVICE BANK',
  '611ff0fe412b11f1b2144001': 'Rand Merchant Bank',
  '611ff0fe412b11f1b214403c': 'Coronation Merchant Bank',
  '611ff102412b11f1b214417e': 'LAPO MICROFINANCE BANK',
  '611ff104412b11f1b21441f1': 'FSDH Merchant Bank Limited',
  '611ff106412b11f1b21442e6': 'TAJ Bank',
  '611ff107412b11f1b2144391': 'Nova Merchant Bank',
  '611ff108412b11f1b21443ec': 'PALMPAY',
  '611ff109412b11f1b2144429': 'EYOWO MICROFINANCE BANK',
}

const WEIGHTS = [3, 7, 3, 3, 7, 3, 3, 7, 3, 3, 7, 3, 3, 7, 3, 1]

/**
 * The revised NUBAN standard's test, written the other way round from the generator's: the 6-digit
 * institution code, the 9-digit serial and the check digit, weighted 3,7,3… and 1, sum to a multiple of 10.
 */
function validNuban (sixDigitCode: string, nuban: string): boolean {
  const digits = sixDigitCode + nuban
  return /^\d{16}$/.test(digits) && [...digits].reduce((sum, d, i) => sum + Number(d) * WEIGHTS[i]!, 0) % 10 === 0
}

const sixDigits = (code: string): string => code.length === 3 ? `000${code}` : code.length === 5 ? `9${code}` : code
const FIXTURE_DIR = new URL('../../fixtures/', import.meta.url)
const fixtureFiles = readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json') && name !== 'fixture.schema.json')

describe('nubanCheckDigit', () => {
  it('gives the CBN 2010 standard\'s worked examples for a 3-digit bank code', () => {
    expect(nubanCheckDigit('011', '000001457')).toBe(9)
    expect(nubanCheckDigit('011', '000000022')).toBe(0)
  })

  it('puts a 9 before a 5-digit code and takes a 6-digit one as it is', () => {
    // 9·3 + 5·7 + 0·3 + 2·3 + 1·7 + 1·3 + … + 1·3 = 81: check digit 9.
    expect(nubanCheckDigit('50211', '000000001')).toBe(9)
    expect(nubanCheckDigit('950211', '000000001')).toBe(9)
    // 9·3 + 9·7 + 9·3 + 9·3 + 9·7 + 2·3 + … + 1·3 = 216: check digit 4.
    expect(nubanCheckDigit('999992', '000000001')).toBe(4)
    expect(validNuban('999992', '0000000014')).toBe(true)
  })

  it('refuses a code or serial of another length', () => {
    expect(() => nubanCheckDigit('0111', '000001457')).toThrow(RangeError)
    expect(() => nubanCheckDigit('011', '00001457')).toThrow(RangeError)
  })
})

describe('the bank catalogue', () => {
  it('uses only Okra\'s own bank ids, under Okra\'s names', () => {
    expect(BANK_CATALOGUE.map((entry) => [entry.bank._id, entry.bank.name]).filter(([id, name]) => OKRA_BANKS[id!] !== name)).toStrictEqual([])
    expect(new Set(BANK_CATALOGUE.map((entry) => entry.bank._id)).size).toBe(BANK_CATALOGUE.length)
  })

  it('keeps the captured webhook\'s bankId, Union Bank, and has 6-digit-code institutions', () => {
    expect(BANK_CATALOGUE.find((entry) => entry.bank._id === '5d6fe57a4099cc4b210bbeb9')?.bank.name).toBe('Union Bank of Nigeria')
    expect(BANK_CATALOGUE.filter((entry) => entry.institutionCode.length !== 3).map((entry) => [entry.bank.name, sixDigits(entry.institutionCode)]))
      .toStrictEqual([['Kuda Bank', '950211'], ['OPAY', '999992'], ['PALMPAY', '999991']])
  })
})

describe.each(fixtureFiles)('fixtures/%s', (name) => {
  const file = JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as FixtureFile
  const codeOf = new Map(BANK_CATALOGUE.map((entry) => [entry.bank._id, sixDigits(entry.institutionCode)]))

  it('names every bank by Okra\'s id and name', () => {
    expect(file.banks.filter((bank) => OKRA_BANKS[bank._id] !== bank.name).map((bank) => bank._id)).toStrictEqual([])
  })

  it('gives every account a NUBAN whose check digit is right for its bank', () => {
    expect(file.accounts.filter((account) => !validNuban(codeOf.get(account.bank) ?? '', account.nuban)).map((account) => account._id)).toStrictEqual([])
  })
})
