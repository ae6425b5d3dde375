/** @module A unit's records given other event ids, in place: a pulled file's deterministic ids (event-ids.ts). */
import type { EncodedUnit } from './encode-unit.ts'

const encoder = new TextEncoder()

/**
 * Replaces each record's event id (in its line and in `eventIds`) by `ids(first + i)`: `first` is
 * the unit's first record's position in the file, so the same record gets the same id in every
 * attempt. UUIDs are all 36 ASCII characters, so a line keeps its length and its `ends`.
 */
export function restampEventIds(unit: EncodedUnit, first: number, ids: (index: number) => string): void {
  for (let i = 0; i < unit.eventIds.length; i++) {
    const old = encoder.encode(unit.eventIds[i] as string)
    const id = ids(first + i)
    const next = encoder.encode(id)
    if (old.length !== next.length) throw new Error('event ids of different lengths')
    const start = i === 0 ? 0 : (unit.ends[i - 1] as number) + 1
    const line = unit.bytes.subarray(start, unit.ends[i] as number)
    for (let at = find(line, old, 0); at >= 0; at = find(line, old, at + old.length)) line.set(next, at)
    unit.eventIds[i] = id
  }
}

function find(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number
  for (let at = hay.indexOf(first, from); at >= 0 && at + needle.length <= hay.length; at = hay.indexOf(first, at + 1)) {
    let j = 1
    while (j < needle.length && hay[at + j] === needle[j]) j++
    if (j === needle.length) return at
  }
  return -1
}
