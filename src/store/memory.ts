/** @module In-process Store and token-bucket Limiter: the embedded default for one instance. */
import type { RateLimitRule } from '../provider/types.ts'
import type { ClaimResult, Health, IdempotencyAnswer, Limiter, LimitResult, Store } from './types.ts'

/** An in-flight claim is a lease until `leaseUntil`; its id is kept until `expiresAt` (scripts.ts CLAIM_FN). */
type Entry = {
  value: { inFlight: string; leaseUntil: number } | { done: IdempotencyAnswer }
  expiresAt: number
}

// Each write looks at a few of the oldest entries: expiry cost stays constant per request
// instead of a walk over the whole map every so often.
const SWEEP_BUDGET = 8

/**
 * About 350 bytes a key (measured in bench/soak.ts): 500 000 keys are ~175 MB, a day at ~6 events/s.
 * Past it the oldest keys are forgotten before their TTL, so memory stays bounded; a gateway that
 * needs the whole window at a higher rate uses Redis.
 */
export const DEFAULT_MEMORY_STORE_MAX_KEYS = 500_000

export type MemoryStoreOptions = {
  maxKeys?: number
  /** Called once each time the cap first forgets an unexpired key (then again after a quiet spell). */
  onEvict?: (heldKeys: number) => void
}

export function createMemoryStore(clock: () => number, options: MemoryStoreOptions = {}): Store {
  const entries = new Map<string, Entry>()
  const maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MEMORY_STORE_MAX_KEYS)
  let evicting = false

  const live = (key: string): Entry | undefined => {
    const e = entries.get(key)
    if (e && e.expiresAt <= clock()) {
      entries.delete(key)
      return undefined
    }
    return e
  }
  // The map is kept in write order (a commit re-inserts its key at the end), and every entry of a
  // kind has the same TTL, so the oldest entries are the first to expire.
  const sweep = (): void => {
    const now = clock()
    let budget = SWEEP_BUDGET
    for (const [k, e] of entries) {
      if (budget-- === 0) return
      if (e.expiresAt <= now) entries.delete(k)
      else if (!('inFlight' in e.value)) break // an unexpired answer: younger ones are too
    }
    // The cap: the oldest write goes first (the map is in write order), expired or not.
    if (entries.size <= maxKeys) {
      if (entries.size < maxKeys * 0.9) evicting = false // a quiet spell: warn again next time
      return
    }
    if (!evicting) options.onEvict?.(entries.size)
    evicting = true
    for (const k of entries.keys()) {
      if (entries.size <= maxKeys) return
      entries.delete(k)
    }
  }

  // Synchronous, so the many-key methods are the same steps in order, with no await between keys.
  const claim = (key: string, eventId: string, leaseMs: number, holdMs = leaseMs): ClaimResult => {
    const now = clock()
    const e = live(key)
    if (e) {
      if ('done' in e.value) return { state: 'done', answer: e.value.done }
      if (e.value.leaseUntil > now) return { state: 'in_flight', eventId: e.value.inFlight }
      // The lease ran out with the id kept: take it over under that id.
      e.value.leaseUntil = now + leaseMs
      e.expiresAt = now + Math.max(leaseMs, holdMs)
      return { state: 'claimed', eventId: e.value.inFlight }
    }
    entries.set(key, {
      value: { inFlight: eventId, leaseUntil: now + leaseMs },
      expiresAt: now + Math.max(leaseMs, holdMs),
    })
    sweep()
    return { state: 'claimed' }
  }
  const commit = (key: string, answer: IdempotencyAnswer, ttlMs: number): void => {
    entries.delete(key)
    entries.set(key, { value: { done: answer }, expiresAt: clock() + ttlMs })
    sweep()
  }
  const held = (key: string, eventId: string) => {
    const e = live(key)
    return e && 'inFlight' in e.value && e.value.inFlight === eventId && e.value.leaseUntil > clock()
      ? e
      : undefined
  }
  const release = (key: string, eventId: string): void => {
    const e = held(key, eventId)
    if (!e || !('inFlight' in e.value)) return
    // Kept past its lease (a hold): the id stays for the retry; else the key goes.
    if (e.expiresAt > e.value.leaseUntil) e.value.leaseUntil = 0
    else entries.delete(key)
  }
  const renew = (key: string, eventId: string, leaseMs: number): boolean => {
    const e = held(key, eventId)
    if (!e || !('inFlight' in e.value)) return false
    const hold = e.expiresAt > e.value.leaseUntil
    e.value.leaseUntil = clock() + leaseMs
    if (!hold) e.expiresAt = e.value.leaseUntil
    return true
  }

  return {
    kind: 'memory',
    shared: false,
    claim: async (key, eventId, inFlightTtlMs, holdMs) => claim(key, eventId, inFlightTtlMs, holdMs),
    commit: async (key, answer, ttlMs) => commit(key, answer, ttlMs),
    release: async (key, eventId) => release(key, eventId),
    renew: async (key, eventId, leaseMs) => renew(key, eventId, leaseMs),
    claimMany: async (claims, inFlightTtlMs, holdMs) =>
      claims.map((c) => claim(c.key, c.eventId, inFlightTtlMs, holdMs)),
    async commitMany(commits, ttlMs) {
      for (const c of commits) commit(c.key, c.answer, ttlMs)
    },
    async releaseMany(claims) {
      for (const c of claims) release(c.key, c.eventId)
    },
    async ping(): Promise<Health> {
      return { ok: true, kind: 'memory', detail: `in-process: serves this instance only; ${entries.size} of at most ${maxKeys} keys held` }
    },
  }
}

type Bucket = { tokens: number; updatedAt: number }

export function createMemoryLimiter(): Limiter {
  const buckets = new Map<string, Bucket>()
  return {
    kind: 'memory',
    async take(key: string, rule: RateLimitRule, nowMs: number): Promise<LimitResult> {
      const b = buckets.get(key) ?? { tokens: rule.burst, updatedAt: nowMs }
      const elapsedSec = Math.max(0, nowMs - b.updatedAt) / 1000
      b.tokens = Math.min(rule.burst, b.tokens + elapsedSec * rule.ratePerSec)
      b.updatedAt = nowMs
      const ok = b.tokens >= 1
      if (ok) b.tokens -= 1
      buckets.set(key, b)
      return {
        ok,
        limit: rule.burst,
        remaining: Math.floor(b.tokens),
        resetSec: Math.ceil((rule.burst - b.tokens) / rule.ratePerSec),
        retryAfterSec: ok ? 0 : Math.ceil((1 - b.tokens) / rule.ratePerSec),
      }
    },
  }
}
