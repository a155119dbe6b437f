import { describe, expect, it } from 'vitest'
import { OBJECT_ID, ObjectIdFactory, TenantIds } from '../../src/core/ids.js'

const AT = Date.parse('2023-11-14T22:13:20.999Z') // 1,700,000,000 s = 0x6553f100

describe('ObjectIdFactory', () => {
  it('writes seconds, then the seeded counter, each as zero-padded hex', () => {
    const ids = new ObjectIdFactory(1)
    expect(ids.next(AT)).toBe('6553f100' + '00000000' + '00010001')
    expect(ids.next(0)).toBe('00000000' + '00000000' + '00010002')
    expect(ids.position).toBe(0x10002)
  })

  it('carries the counter into the middle eight digits past 2^32', () => {
    const ids = new ObjectIdFactory(1)
    ids.position = 0xffff_ffff
    expect(ids.next(AT)).toBe('6553f100' + '00000001' + '00000000')
  })

  it('gives different seeds different ids at the same instant', () => {
    expect(new ObjectIdFactory(2).next(AT)).toBe('6553f100' + '00000000' + '00020001')
  })

  it('matches whole 24-digit lower-case hex ids only', () => {
    expect(OBJECT_ID.test('6553f1000000000000010001')).toBe(true)
    expect(OBJECT_ID.test('x6553f1000000000000010001')).toBe(false)
    expect(OBJECT_ID.test('6553f1000000000000010001x')).toBe(false)
    expect(OBJECT_ID.test('6553F1000000000000010001')).toBe(false)
  })
})

describe('TenantIds', () => {
  it('takes exactly five bytes from its process', () => {
    for (const length of [4, 6]) {
      expect(() => new TenantIds(() => {}, new Uint8Array(length), 1)).toThrow(new RangeError('An ObjectId takes 5 bytes from its process'))
    }
    expect(new TenantIds(() => {}, new Uint8Array([0, 0, 0, 0, 1]), 1).next(AT)).toBe('6553f100' + '0000000002' + '000001')
  })
})
