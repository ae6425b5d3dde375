/** @module Store (idempotency) and Limiter (token bucket) ports; Redis and memory implement them. */
import type { RateLimitRule } from '../provider/types.ts'

/** What a duplicate is answered with. */
export type IdempotencyAnswer = { event_id: string; outcome: 'published' | 'dlq' }

export type ClaimResult =
  /**
   * `eventId` is set when the claim took over one whose lease ran out: the key keeps that
   * earlier id, and the caller publishes under it (it may already be downstream).
   */
  | { state: 'claimed'; eventId?: string }
  | { state: 'done'; answer: IdempotencyAnswer }
  | { state: 'in_flight'; eventId: string }
  /** The store did not answer: the caller fails open or closed by configuration. */
  | { state: 'unavailable'; reason: StoreFailure; detail?: string }

/** Why a shared store did not answer: too slow (timeout) or not reachable / erroring (down). */
export type StoreFailure = 'timeout' | 'down'

export type Health = { ok: boolean; kind: string; detail?: string }

export type Store = {
  /** 'memory' serves one process; 'redis' and 'upstash' are shared across instances. */
  readonly kind: string
  readonly shared: boolean
  /**
   * Claims `key` for `eventId` unless it is claimed or done. The claim is a lease of
   * `inFlightTtlMs`; with `holdMs` longer than that, the id outlives the lease for `holdMs`, and a
   * claim after the lease ran out takes it over under that id (`claimed` with `eventId`).
   */
  claim(key: string, eventId: string, inFlightTtlMs: number, holdMs?: number): Promise<ClaimResult>
  /** Records the answer for duplicates, replacing the claim. */
  commit(key: string, answer: IdempotencyAnswer, ttlMs: number): Promise<void>
  /**
   * Ends the claim if `eventId` still holds it, so the provider's retry goes through (under the
   * same id when the claim was taken with a `holdMs`).
   */
  release(key: string, eventId: string): Promise<void>
  /** Extends `eventId`'s lease on `key` to `leaseMs` from now; false when it no longer holds it. */
  renew(key: string, eventId: string, leaseMs: number): Promise<boolean>
  ping(): Promise<Health>
  /**
   * Takes a token and, only if one was taken, claims every key, in one round trip. Offered by a
   * store that is also the deployment's Limiter (one Redis); the pipeline then uses it instead of
   * `take` followed by one `claim` per key.
   */
  limitAndClaim?(
    limit: LimitRequest,
    claims: readonly ClaimRequest[],
    inFlightTtlMs: number,
    holdMs?: number,
  ): Promise<Admission>
  /**
   * `claim` for many keys in few round trips (the batch path: a chunk of up to 10 000 records).
   * Aligned with `claims`; in order, so a key twice in one call is held by the first. Keys the
   * store could not answer for are `unavailable`, like `claim`.
   */
  claimMany?(
    claims: readonly ClaimRequest[],
    inFlightTtlMs: number,
    holdMs?: number,
  ): Promise<ClaimResult[]>
  /** `commit` for many keys; rejects, after every part was tried, if any part failed. */
  commitMany?(commits: readonly CommitRequest[], ttlMs: number): Promise<void>
  /** `release` for many keys; rejects, after every part was tried, if any part failed. */
  releaseMany?(claims: readonly ClaimRequest[]): Promise<void>
}

export type LimitRequest = { key: string; rule: RateLimitRule; nowMs: number }
export type ClaimRequest = { key: string; eventId: string }
export type CommitRequest = { key: string; answer: IdempotencyAnswer }
/** `claims` is aligned with the requested claims, and empty when the limit refused the request. */
export type Admission = { limit: LimitResult; claims: ClaimResult[] }

export type LimitResult = {
  ok: boolean
  limit: number
  remaining: number
  /** Seconds until the bucket is full again. */
  resetSec: number
  /** Seconds until one token is available (0 when ok). */
  retryAfterSec: number
  /** Set when the limiter did not answer and the request was let through (fail open). */
  reason?: StoreFailure
  detail?: string
}

export type Limiter = {
  readonly kind: string
  take(key: string, rule: RateLimitRule, nowMs: number): Promise<LimitResult>
}
