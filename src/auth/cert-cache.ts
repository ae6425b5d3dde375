/** @module Per-isolate cache of certificate lookups: bounded, expiring, one load per key. */

/** A lookup costs a round trip and several signature checks; a cert URL's content is fixed. */
export const CERT_CACHE_MAX_ENTRIES = 64

export type CertCache<V> = {
  /**
   * The value cached for `key` at `now`, or the result of `load()`. Concurrent callers share one
   * load. `expiresAt(value)` says until when a loaded value is kept; a time ≤ `now` keeps nothing.
   * A load that rejects is not kept.
   */
  get(key: string, now: number, load: () => Promise<V>, expiresAt: (value: V) => number): Promise<V>
  readonly size: number
}

type Entry<V> = { value: Promise<V>; expiresAt: number }

export function createCertCache<V>(maxEntries = CERT_CACHE_MAX_ENTRIES): CertCache<V> {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  const entries = new Map<string, Entry<V>>()
  const drop = (key: string, entry: Entry<V>) => {
    if (entries.get(key) === entry) entries.delete(key)
  }
  return {
    get(key, now, load, expiresAt) {
      const hit = entries.get(key)
      if (hit) {
        entries.delete(key)
        if (hit.expiresAt > now) {
          entries.set(key, hit)
          return hit.value
        }
      }
      // In flight until it settles: later callers wait on the same promise instead of refetching.
      const entry: Entry<V> = { value: load(), expiresAt: Number.POSITIVE_INFINITY }
      entries.set(key, entry)
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
      }
      entry.value.then(
        (value) => {
          entry.expiresAt = expiresAt(value)
          if (entry.expiresAt <= now) drop(key, entry)
        },
        () => drop(key, entry),
      )
      return entry.value
    },
    get size() {
      return entries.size
    },
  }
}
