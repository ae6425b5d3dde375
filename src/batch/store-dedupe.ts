/** @module Batch record dedupe through the shared Store: a chunk's keys in few round trips. */
import type { ClaimRequest, ClaimResult, Store } from '../store/types.ts'
import type { BatchDedupe, KeyState } from './dedupe.ts'

/**
 * Under `idem:batch:{key}` in the Store. A store with the many-key methods (Redis, Upstash,
 * memory) gets a chunk in one script call per ~1000 keys; any other store gets one call per key.
 *
 * A key twice in one chunk is a duplicate the second time, decided here rather than by the
 * store: the parts of a many-key call may run in any order over REST, and with the store down
 * the second copy would otherwise go out unguarded next to the first.
 */
export function createStoreDedupe(store: Store): BatchDedupe {
  const claimAll = async (claims: ClaimRequest[], ttl: number): Promise<ClaimResult[]> =>
    store.claimMany
      ? store.claimMany(claims, ttl)
      : Promise.all(claims.map((c) => store.claim(c.key, c.eventId, ttl)))

  return {
    kind: store.kind,
    async claim(keys, eventIds, ttl) {
      const out = new Array<KeyState>(keys.length)
      const claims: ClaimRequest[] = []
      const at: number[] = [] // claims[j] answers for out[at[j]]
      const seen = new Set<string>()
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        if (seen.has(key)) {
          out[i] = 'duplicate'
          continue
        }
        seen.add(key)
        claims.push({ key: k(key), eventId: eventIds[i] ?? '' })
        at.push(i)
      }
      const results = claims.length > 0 ? await claimAll(claims, ttl) : []
      for (let j = 0; j < at.length; j++) out[at[j] as number] = stateOf(results[j])
      return out
    },
    async commit(keys, eventIds, ttlMs) {
      const commits = keys.map((key, i) => ({
        key: k(key),
        answer: { event_id: eventIds[i] ?? '', outcome: 'published' as const },
      }))
      if (store.commitMany) return store.commitMany(commits, ttlMs)
      await Promise.all(commits.map((c) => store.commit(c.key, c.answer, ttlMs)))
    },
    async release(keys, eventIds) {
      const claims = keys.map((key, i) => ({ key: k(key), eventId: eventIds[i] ?? '' }))
      if (store.releaseMany) return store.releaseMany(claims)
      await Promise.all(claims.map((c) => store.release(c.key, c.eventId)))
    },
  }
}

// --- Internal helpers ---

// One hash tag for all batch claims: a chunk's keys go to Redis in one script, which a Cluster runs
// only when they share a slot.
const k = (key: string) => `idem:{batch}:${key}`

// No answer for a key (a store that answered short) publishes it unguarded, like a store that is down.
// A key in flight is held by a job that has not committed it (running, or killed before its commit):
// counting it a duplicate would skip a record that may never have been published.
const stateOf = (c: ClaimResult | undefined): KeyState =>
  c === undefined || c.state === 'unavailable' ? 'unguarded' : c.state === 'done' ? 'duplicate' : c.state
