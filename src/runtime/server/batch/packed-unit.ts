/** @module A unit's keys and event ids as two strings for postMessage, and back to arrays. */
import type { EncodedUnit } from '../../../batch/encode-unit.ts'
import type { UnitResult } from './processor.ts'

/**
 * A unit result as posted: the keys joined into one string with where each ends (a DLQ record's
 * key, null, is empty: a real key always holds its provider and a colon), the event ids (36
 * characters each) joined into another. Posted as arrays, a unit's ~2 000 short strings cost
 * ~360 ns a record to serialize and read back; as two strings and a typed array, ~100.
 */
export type PackedResult = {
  seq: number
  read: number
  bytes: Uint8Array
  ends: Uint32Array
  valueAts: Uint32Array
  tenants?: (string | null)[]
  keyText: string
  keyEnds: Uint32Array
  idText: string
}

const ID_LENGTH = 36

/** undefined: an event id of another length (never made here; then the arrays are posted as they are). */
export function packResult(r: UnitResult): PackedResult | undefined {
  const { keys, eventIds, bytes, ends, valueAts, tenants } = r.encoded
  const keyEnds = new Uint32Array(keys.length)
  let at = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (key === '') return undefined
    at += key === null || key === undefined ? 0 : key.length
    keyEnds[i] = at
  }
  for (const id of eventIds) if (id.length !== ID_LENGTH) return undefined
  return { seq: r.seq, read: r.read, bytes, ends, valueAts, ...(tenants ? { tenants } : {}), keyText: keys.join(''), keyEnds, idText: eventIds.join('') }
}

export function unpackResult(p: PackedResult): UnitResult {
  const n = p.keyEnds.length
  const keys = new Array<string | null>(n)
  const eventIds = new Array<string>(n)
  let from = 0
  for (let i = 0; i < n; i++) {
    const to = p.keyEnds[i] as number
    keys[i] = to === from ? null : p.keyText.slice(from, to)
    from = to
    eventIds[i] = p.idText.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH)
  }
  const encoded: EncodedUnit = { bytes: p.bytes, ends: p.ends, valueAts: p.valueAts, keys, eventIds, ...(p.tenants ? { tenants: p.tenants } : {}) }
  return { seq: p.seq, read: p.read, encoded }
}
