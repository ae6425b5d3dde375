/** @module A fixed-size hash table of key fingerprints → a number, in typed arrays (no objects, no GC work). */

/**
 * Keys are kept as 96-bit fingerprints (three 32-bit hashes of the key's text), never as strings.
 * Two different keys are mistaken for one only if all 96 bits collide: about 1 in 10^23 per
 * lookup in a table of a million keys, against ~80 bytes per key and the garbage collector
 * walking every key in a Map. Open addressing, linear probing, at most half full.
 */
export type KeyTable = {
  /** Slots taken (a slot is never freed, only its value zeroed, so probes stay intact). */
  readonly used: number
  readonly capacity: number
  /** The key's slot, or -1. Fingerprints the key; `set`/`insert` right after use it. */
  find(key: string): number
  value(slot: number): number
  set(slot: number, value: number): void
  /** Adds the key last passed to `find` (which returned -1) with a value; its slot. */
  insert(value: number): number
  clear(): void
}

/** A table for `keys` keys (it holds up to that many; its slots are twice as many). */
export function createKeyTable(keys: number): KeyTable {
  let size = 2
  while (size < keys * 2) size *= 2
  const mask = size - 1
  // A slot's three hashes side by side: a probe reads one cache line (rarely two), not three.
  // Keys arrive in no order the table knows, so a probe of a big table is a cache miss.
  const hashes = new Int32Array(size * 3)
  const values = new Float64Array(size)
  let used = 0
  let free = -1 // the empty slot the last missed `find` ended on
  return {
    get used() {
      return used
    },
    capacity: keys,
    find(key) {
      fingerprint(key)
      for (let i = h1 & mask; ; i = (i + 1) & mask) {
        const a = hashes[i * 3] as number
        const b = hashes[i * 3 + 1] as number
        const c = hashes[i * 3 + 2] as number
        if (a === h1 && b === h2 && c === h3) return i
        if (a === 0 && b === 0 && c === 0) {
          free = i
          return -1
        }
      }
    },
    value: (slot) => values[slot] as number,
    set(slot, value) {
      values[slot] = value
    },
    insert(value) {
      if (free < 0) throw new Error('insert without a missed find')
      if (used >= keys) throw new Error('key table is full')
      hashes[free * 3] = h1
      hashes[free * 3 + 1] = h2
      hashes[free * 3 + 2] = h3
      values[free] = value
      used++
      const slot = free
      free = -1
      return slot
    },
    clear() {
      hashes.fill(0)
      values.fill(0)
      used = 0
      free = -1
    },
  }
}

// --- Internal helpers ---

// The last key's fingerprint: module state, so hashing allocates nothing.
let h1 = 0
let h2 = 0
let h3 = 0
let last: string | undefined

/** Three 32-bit hashes with different multipliers over the UTF-16 units, each through murmur3's finalizer. */
function fingerprint(key: string): void {
  // A claim looks a new key up in both generations, then again to place it: hashed once.
  if (key === last) return
  last = key
  let a = 0x811c9dc5
  let b = 0x9747b28c
  let c = key.length
  for (let i = 0; i < key.length; i++) {
    const u = key.charCodeAt(i)
    a = Math.imul(a ^ u, 0x01000193)
    b = Math.imul(b + u, 0x5bd1e995) ^ (b >>> 15)
    c = Math.imul(c ^ u, 0x85ebca77) + 0x165667b1
  }
  h1 = mix(a ^ key.length)
  h2 = mix(b)
  h3 = mix(c)
  // All zeros marks an empty slot.
  if (h1 === 0 && h2 === 0 && h3 === 0) h3 = 1
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}
