/** @module Batch record dedupe, a chunk per call: through the shared Store, or a bounded in-process table. */
import type { Store } from '../store/types.ts'
import { createStoreDedupe } from './store-dedupe.ts'

/** `unguarded`: the store did not answer and the record is published anyway (fail open). */
export type KeyState = 'claimed' | 'duplicate' | 'unguarded'

/** Keys are `{provider}:{transaction_id}`; a key twice in one chunk is a duplicate the second time. */
export type BatchDedupe = {
  readonly kind: string
  claim(keys: readonly string[], eventIds: readonly string[], inFlightTtlMs: number): Promise<KeyState[]>
  commit(keys: readonly string[], eventIds: readonly string[], ttlMs: number): Promise<void>
  release(keys: readonly string[], eventIds: readonly string[]): Promise<void>
}

/**
 * Keys remembered by the in-process table unless set otherwise: ~125 bytes each, so ~60 MB.
 * Overlapping settlement files overlap at their boundary (the end of one file is the start of
 * the next), and those are the keys a table that forgets the oldest first still holds.
 */
export const DEFAULT_LOCAL_KEYS = 500_000

/**
 * The in-process table for deployments without Redis. A key → its expiry in whole seconds
 * (negative while in flight), so an entry is a Map slot and the key string, no objects. Two
 * generations of at most `maxKeys / 2` keys each: when the young one is full it becomes the old
 * one and the old one is dropped whole, so memory stays flat whatever the file size, and
 * forgetting costs nothing per key (deleting the oldest key of one Map one at a time leaves
 * holes that every new iterator walks again). The price, documented in the README: a record is
 * recognised as a duplicate only while its key is among the last `maxKeys / 2` to `maxKeys`
 * keys, and within the TTL; Redis remembers every key for the whole TTL.
 */
export function createLocalDedupe(opts: { clock: () => number; maxKeys?: number }): BatchDedupe & { readonly size: number } {
  const half = Math.max(1, Math.floor((opts.maxKeys ?? DEFAULT_LOCAL_KEYS) / 2))
  let young = new Map<string, number>()
  let old = new Map<string, number>()
  const now = () => Math.floor(opts.clock() / 1000)
  const expiresIn = (ms: number) => now() + Math.max(1, Math.ceil(ms / 1000))
  const holder = (key: string) => (young.has(key) ? young : old.has(key) ? old : undefined)
  return {
    kind: 'memory',
    get size() {
      return young.size + old.size
    },
    async claim(keys, _eventIds, ttl) {
      const t = now()
      const inFlight = -expiresIn(ttl)
      const out = new Array<KeyState>(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const e = young.get(key) ?? old.get(key)
        if (e !== undefined && Math.abs(e) > t) {
          out[i] = 'duplicate'
          continue
        }
        if (e !== undefined) old.delete(key) // expired: taken again below, in the young generation
        if (young.size >= half && !young.has(key)) {
          old = young
          young = new Map()
        }
        young.set(key, inFlight)
        out[i] = 'claimed'
      }
      return out
    },
    async commit(keys, _eventIds, ttlMs) {
      const until = expiresIn(ttlMs)
      // Only keys still held: one forgotten meanwhile stays forgotten, and the table stays bounded.
      for (const key of keys) holder(key)?.set(key, until)
    },
    async release(keys) {
      for (const key of keys) {
        const m = holder(key)
        if (m && (m.get(key) ?? 0) < 0) m.delete(key)
      }
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
