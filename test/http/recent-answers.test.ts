import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rememberRecentAnswers } from '../../src/openapi/recent-answers.js'

/** A serializer that counts its calls, over plain JSON. */
function counting () {
  const calls = { count: 0 }
  const serialize = rememberRecentAnswers((data) => {
    calls.count += 1
    return JSON.stringify(data)
  })
  return { serialize, calls }
}

describe('rememberRecentAnswers', () => {
  it('answers data given a third time from memory, as serialised before', () => {
    const { serialize, calls } = counting()
    const page = () => ({ pagination: { page: 1 }, items: [{ id: 'a', amount: 1.5, tags: ['x'] }] })
    const first = serialize(page())
    expect(serialize(page())).toBe(first)
    expect(serialize(page())).toBe(first)
    expect(serialize(page())).toBe(first)
    expect(calls.count).toBe(2)
  })

  it('serialises afresh when a kept object was changed in place since', () => {
    const { serialize } = counting()
    const item = { id: 'a', amount: 1 }
    const data = { items: [item] }
    serialize(data)
    serialize(data)
    item.amount = 2
    expect(serialize(data)).toBe('{"items":[{"id":"a","amount":2}]}')
  })

  it('tells apart data that differs only in key order, types or undefined members', () => {
    const { serialize } = counting()
    for (let round = 0; round < 3; round++) {
      expect(serialize({ a: 1, b: 2 })).toBe('{"a":1,"b":2}')
      expect(serialize({ b: 2, a: 1 })).toBe('{"b":2,"a":1}')
      expect(serialize({ b: 1, a: 2 })).toBe('{"b":1,"a":2}')
      expect(serialize({ a: '1', b: 2 })).toBe('{"a":"1","b":2}')
      expect(serialize({ a: 1, b: 2, c: undefined })).toBe('{"a":1,"b":2}')
    }
  })

  it('always serialises data that is not plain JSON-like values', () => {
    const { serialize, calls } = counting()
    const at = new Date(0)
    for (let round = 0; round < 4; round++) serialize({ at })
    expect(calls.count).toBe(4)
  })

  it('answers exactly as the serialiser would, whatever the sequence of data', () => {
    const json = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown)
    fc.assert(fc.property(fc.array(fc.oneof(json, fc.constantFrom({ a: [1, 2] }, { a: [1, 2], b: null })), { maxLength: 40 }), (sequence) => {
      const { serialize } = counting()
      // Repeats of recent values, so that answers are kept and then reused.
      for (const [index, value] of sequence.entries()) {
        const again = sequence[Math.max(0, index - 2)]
        expect(serialize(value)).toBe(JSON.stringify(value))
        expect(serialize(again)).toBe(JSON.stringify(again))
      }
    }))
  })
})
