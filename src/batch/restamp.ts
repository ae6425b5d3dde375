/** @module A unit's records given other event ids, in place: a pulled file's deterministic ids (event-ids.ts). */
import type { EncodedUnit } from './encode-unit.ts'

/**
 * Replaces each record's event id (in its line and in `eventIds`) by `ids(first + i)`: `first` is
 * the unit's first record's position in the file, so the same record gets the same id in every
 * attempt. UUIDs are all 36 ASCII characters, so a line keeps its length and its `ends`.
 *
 * It runs on the ingest's main thread for every record of a pulled file, so the search is
 * Boyer-Moore-Horspool over the line's bytes (a ~1 KB line in ~30 steps): a first-byte scan with
 * a compare at each hit cost 3-13 µs a record, as much as the rest of the main thread's work.
 */
export function restampEventIds(unit: EncodedUnit, first: number, ids: (index: number) => string): void {
  const old = new Uint8Array(ID_LENGTH)
  const next = new Uint8Array(ID_LENGTH)
  const skip = new Uint8Array(256)
  for (let i = 0; i < unit.eventIds.length; i++) {
    const id = ids(first + i)
    if (!ascii(unit.eventIds[i] as string, old) || !ascii(id, next)) throw new Error('event ids of different lengths')
    const start = i === 0 ? 0 : (unit.ends[i - 1] as number) + 1
    const line = unit.bytes.subarray(start, unit.ends[i] as number)
    skip.fill(ID_LENGTH)
    for (let k = 0; k < ID_LENGTH - 1; k++) skip[old[k] as number] = ID_LENGTH - 1 - k
    for (let at = find(line, old, skip, 0); at >= 0; at = find(line, old, skip, at + ID_LENGTH)) line.set(next, at)
    unit.eventIds[i] = id
  }
}

const ID_LENGTH = 36

/** Writes a 36-character ASCII id's bytes into `out`; false for anything else. */
function ascii(id: string, out: Uint8Array): boolean {
  if (id.length !== ID_LENGTH) return false
  for (let k = 0; k < ID_LENGTH; k++) {
    const c = id.charCodeAt(k)
    if (c > 0x7f) return false
    out[k] = c
  }
  return true
}

function find(hay: Uint8Array, needle: Uint8Array, skip: Uint8Array, from: number): number {
  const last = needle.length - 1
  const tail = needle[last] as number
  for (let at = from; at + last < hay.length; ) {
    const c = hay[at + last] as number
    if (c === tail) {
      let j = 0
      while (j < last && hay[at + j] === needle[j]) j++
      if (j === last) return at
    }
    at += skip[c] as number
  }
  return -1
}
