import { describe, expectTypeOf, it } from 'vitest'
import type { RecordOutcome } from '../../src/core/records.js'
import type { Answer, Body, Failure, Policy, RecordFailure } from '../../src/wire/index.js'

// Checked by `tsc --noEmit` (npm test): these fail to compile, not at run time.
describe('the wire types generated from openapi.yaml', () => {
  it('require what the spec\'s if/then requires of each policy and failure kind', () => {
    expectTypeOf<{ kind: 'delay', after: '3s' }>().toExtend<Policy>()
    expectTypeOf<{ kind: 'delay', after: 250 }>().toExtend<Policy>()
    expectTypeOf<{ kind: 'delay' }>().not.toExtend<Policy>()
    expectTypeOf<{ kind: 'polls' }>().not.toExtend<Policy>()
    expectTypeOf<{ kind: 'sometimes' }>().not.toExtend<Policy>()
    expectTypeOf<{ kind: 'bank_error' }>().not.toExtend<Failure>()
  })

  it('agree with the fixture format and the core', () => {
    expectTypeOf<Exclude<RecordOutcome, { kind: 'success' | 'emulator_error' }>>().toExtend<Failure>()
    expectTypeOf<Failure>().toExtend<Exclude<RecordOutcome, { kind: 'success' }>>()
    expectTypeOf<Exclude<RecordOutcome, { kind: 'success' }>>().toExtend<RecordFailure>()
    expectTypeOf<RecordFailure>().toExtend<Exclude<RecordOutcome, { kind: 'success' }>>()
  })

  it('name operations\' bodies and answers', () => {
    expectTypeOf<Body<'adminTakeSnapshot'>>().toEqualTypeOf<{ name: string }>()
    expectTypeOf<Answer<'adminClearRequests'>>().toEqualTypeOf<{ removed: number }>()
    expectTypeOf<Answer<'adminHealth'>['persistence']>().toEqualTypeOf<string | null>()
  })
})
