import { describe, expect, it } from 'vitest'
import type { EncodedUnit } from '../../../../src/batch/encode-unit.ts'
import { packResult, unpackResult } from '../../../../src/runtime/server/batch/packed-unit.ts'

const id = (i: number) => `0190f000-0000-7000-8000-${String(i).padStart(12, '0')}`
const unit = (keys: (string | null)[], ids = keys.map((_, i) => id(i)), tenants?: (string | null)[]): EncodedUnit => ({
  bytes: new Uint8Array(4),
  ends: new Uint32Array(keys.length),
  valueAts: new Uint32Array(keys.length),
  keys,
  eventIds: ids,
  ...(tenants ? { tenants } : {}),
})

describe('batch: a unit result as posted by a worker', () => {
  it('gives back every key (DLQ records null), event id and tenant as they were', () => {
    const keys = ['acme:T1', null, 'acme:é 😀', null, 'acme:x:y', 'acme:T1']
    const r = { seq: 3, read: 6, encoded: unit(keys, undefined, [null, null, 'globex', null, null, 'initech']) }
    const packed = packResult(r)
    expect(packed).toBeDefined()
    expect(unpackResult(structuredClone(packed!))).toEqual(r)
    expect(unpackResult(packResult({ seq: 0, read: 0, encoded: unit([]) })!)).toEqual({ seq: 0, read: 0, encoded: unit([]) })
  })

  it('posts the arrays as they are when an event id is not 36 characters', () => {
    expect(packResult({ seq: 1, read: 1, encoded: unit(['acme:T1'], ['short']) })).toBeUndefined()
  })
})
