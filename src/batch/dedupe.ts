/** @module Batch record dedupe, a chunk per call: through the shared Store, or a bounded in-process table. */
import type { Store } from '../store/types.ts'

/** `unguarded`: the store did not answer and the record is published anyway (fail open). */
export type KeyState = 'claimed' | 'duplicate' | 'unguarded'

/** Keys are `{provider}:{transaction_id}`; a key twice in one chunk is a duplicate the second time. */
export type BatchDedupe = {
  readonly kind: string
  claim(keys: readonly string[], eventIds: readonly string[], inFlightTtlMs: number): Promise<KeyState[]>
  commit(keys: readonly string[], eventIds: readonly string[], ttlMs: number): Promise<void>
  release(keys: readonly string[], eventIds: readonly string[]): Promise<void>
}

/** Under `idem:batch:{key}` in the Store (Redis pipelines the claims of a chunk). */
export function createStoreDedupe(store: Store): BatchDedupe {
  const k = (key: string) => `idem:batch:${key}`
  return {
    kind: store.kind,
    async claim(keys, eventIds, ttl) {
      const claims = await Promise.all(keys.map((key, i) => store.claim(k(key), eventIds[i] ?? '', ttl)))
      return claims.map((c) => (c.state === 'claimed' ? 'claimed' : c.state === 'unavailable' ? 'unguarded' : 'duplicate'))
    },
    async commit(keys, eventIds, ttlMs) {
      await Promise.all(keys.map((key, i) => store.commit(k(key), { event_id: eventIds[i] ?? '', outcome: 'published' }, ttlMs)))
    },
    async release(keys, eventIds) {
      await Promise.all(keys.map((key, i) => store.release(k(key), eventIds[i] ?? '')))
    },
  }
}

/** Keys remembered by the in-process table unless set otherwise (~100 bytes each). */
export const DEFAULT_LOCAL_KEYS = 1_000_000

/**
 * The in-process table for deployments without Redis. A key → its expiry in whole seconds
 * (negative while in flight), so an entry is a Map slot and the key string, no objects; the
 * oldest keys are forgotten first once `maxKeys` are held (a Map iterates in insertion order),
 * which keeps memory flat whatever the file size. The price, documented in the README: a
 * record is recognised as a duplicate only while it is among the last `maxKeys` keys and
 * within the TTL; Redis remembers every key for the whole TTL.
 */
export function createLocalDedupe(opts: { clock: () => number; maxKeys?: number }): BatchDedupe & { readonly size: number } {
  const max = opts.maxKeys ?? DEFAULT_LOCAL_KEYS
  const table = new Map<string, number>()
  const now = () => Math.floor(opts.clock() / 1000)
  const expiresIn = (ms: number) => now() + Math.max(1, Math.ceil(ms / 1000))
  return {
    kind: 'memory',
    get size() {
      return table.size
    },
    async claim(keys, _eventIds, ttl) {
      const t = now()
      const inFlight = -expiresIn(ttl)
      const out = new Array<KeyState>(keys.length)
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        const e = table.get(key)
        if (e !== undefined && Math.abs(e) > t) {
          out[i] = 'duplicate'
          continue
        }
        if (e !== undefined) table.delete(key) // expired: re-inserted at the young end
        table.set(key, inFlight)
        out[i] = 'claimed'
      }
      while (table.size > max) table.delete(table.keys().next().value as string)
      return out
    },
    async commit(keys, _eventIds, ttlMs) {
      const until = expiresIn(ttlMs)
      // Only keys still held: one evicted meanwhile stays forgotten, and the table stays bounded.
      for (const key of keys) if (table.has(key)) table.set(key, until)
    },
    async release(keys) {
      for (const key of keys) if ((table.get(key) ?? 0) < 0) table.delete(key)
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
