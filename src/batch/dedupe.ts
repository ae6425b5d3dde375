/** @module Batch record dedupe, a chunk per call: through the shared Store, or a bounded in-process table. */
import type { Store } from '../store/types.ts'
import { createKeyTable } from './key-table.ts'
import { createStoreDedupe } from './store-dedupe.ts'

/**
 * `unguarded`: the store did not answer and the record is published anyway (fail open).
 * `in_flight`: another job holds the key and has not committed (still running, or stopped before its
 * commit). Not a duplicate: its record may never have been published.
 */
export type KeyState = 'claimed' | 'duplicate' | 'unguarded' | 'in_flight'

/** Keys are `{provider}:{transaction_id}`; a key twice in one chunk is a duplicate the second time. */
export type BatchDedupe = {
  readonly kind: string
  claim(keys: readonly string[], eventIds: readonly string[], inFlightTtlMs: number): Promise<KeyState[]>
  commit(keys: readonly string[], eventIds: readonly string[], ttlMs: number): Promise<void>
  release(keys: readonly string[], eventIds: readonly string[]): Promise<void>
}

/**
 * Keys remembered by the in-process table unless set otherwise: 40 bytes of typed arrays each
 * (a 96-bit fingerprint and an expiry, slots at most half full), so ~20 MB outside the JS heap.
 * Overlapping settlement files overlap at their boundary (the end of one file is the start of
 * the next), and those are the keys a table that forgets the oldest first still holds.
 */
export const DEFAULT_LOCAL_KEYS = 500_000

/**
 * The in-process table for deployments without Redis. A key → its expiry in whole seconds
 * (negative while in flight, 0 once released), kept as a fingerprint in a typed-array table
 * (key-table.ts): as a Map of strings, 500 000 keys were 41 MB of heap the garbage collector
 * walked again and again. Two generations of at most `maxKeys / 2` keys each: when the young
 * one is full it becomes the old one and the old one is dropped whole, so memory stays flat
 * whatever the file size and forgetting costs nothing per key. The price, documented in the
 * README: a record is recognised as a duplicate only while its key is among the last
 * `maxKeys / 2` to `maxKeys` keys, and within the TTL; Redis remembers every key for the whole TTL.
 */
export function createLocalDedupe(opts: { clock: () => number; maxKeys?: number }): BatchDedupe & { readonly size: number } {
  const half = Math.max(1, Math.floor((opts.maxKeys ?? DEFAULT_LOCAL_KEYS) / 2))
  let young = createKeyTable(half)
  let old = createKeyTable(half)
  // Generations made young so far; the last claim's keys, each one's slot and the generation it was put in.
  let rotations = 0
  let last: { keys: readonly string[]; slots: Int32Array; at: Int32Array } | undefined
  const now = () => Math.floor(opts.clock() / 1000)
  const expiresIn = (ms: number) => now() + Math.max(1, Math.ceil(ms / 1000))
  /** Sets the key's value where it is held; a key forgotten meanwhile stays forgotten. */
  const update = (key: string, value: (current: number) => number) => {
    let slot = young.find(key)
    if (slot >= 0) return young.set(slot, value(young.value(slot)))
    slot = old.find(key)
    if (slot >= 0) old.set(slot, value(old.value(slot)))
  }
  return {
    kind: 'memory',
    get size() {
      return young.used + old.used
    },
    async claim(keys, _eventIds, ttl) {
      const t = now()
      const inFlight = -expiresIn(ttl)
      const out = new Array<KeyState>(keys.length)
      const slots = new Int32Array(keys.length).fill(-1)
      const at = new Int32Array(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const slot = young.find(key)
        if (slot >= 0) {
          if (Math.abs(young.value(slot)) > t) out[i] = 'duplicate'
          else {
            young.set(slot, inFlight)
            out[i] = 'claimed'
            slots[i] = slot
            at[i] = rotations
          }
          continue
        }
        const held = old.find(key)
        if (held >= 0) {
          if (Math.abs(old.value(held)) > t) {
            out[i] = 'duplicate'
            continue
          }
          old.set(held, 0) // expired: taken again below, in the young generation
        }
        if (young.used >= half) {
          const emptied = old
          old = young
          young = emptied
          young.clear()
          rotations++
          young.find(key) // positions the insert in the cleared table
        }
        // Otherwise young's missed find above still positions it (old.find has its own).
        slots[i] = young.insert(inFlight)
        at[i] = rotations
        out[i] = 'claimed'
      }
      last = { keys, slots, at }
      return out
    },
    async commit(keys, _eventIds, ttlMs) {
      const until = expiresIn(ttlMs)
      // The keys are usually the last claim's, or some of them in the same order: their slots are known.
      let claimed = last
      let j = 0
      for (const key of keys) {
        if (claimed !== undefined) {
          while (j < claimed.keys.length && claimed.keys[j] !== key) j++
          if (j < claimed.keys.length) {
            const slot = claimed.slots[j] as number
            const age = rotations - (claimed.at[j] as number)
            j++
            // A slot is never reused within a generation; a generation dropped since forgot the key.
            if (slot >= 0 && age <= 1) {
              ;(age === 0 ? young : old).set(slot, until)
              continue
            }
          } else claimed = undefined // not the last claim's keys: looked up one by one
        }
        update(key, () => until)
      }
    },
    async release(keys) {
      for (const key of keys) update(key, (e) => (e < 0 ? 0 : e))
    },
  }
}

const locals = new WeakMap<Store, BatchDedupe>()

/**
 * A shared store dedupes through itself; an in-process store gets one local table for its
 * lifetime, so every job of a process sees the keys of the jobs before it.
 */
export function dedupeFor(store: Store, clock: () => number, maxKeys?: number): BatchDedupe {
  if (store.shared) return createStoreDedupe(store)
  let d = locals.get(store)
  if (!d) {
    d = createLocalDedupe({ clock, ...(maxKeys !== undefined ? { maxKeys } : {}) })
    locals.set(store, d)
  }
  return d
}
