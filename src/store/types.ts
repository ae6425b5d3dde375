/** @module Store (idempotency) and Limiter (token bucket) ports; Redis and memory implement them. */
import type { RateLimitRule } from '../provider/types.ts'

/** What a duplicate is answered with. */
export type IdempotencyAnswer = { event_id: string; outcome: 'published' | 'dlq' }

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'done'; answer: IdempotencyAnswer }
  | { state: 'in_flight'; eventId: string }
  /** The store did not answer: the caller fails open or closed by configuration. */
  | { state: 'unavailable'; reason: 'timeout' | 'down' }

export type Health = { ok: boolean; kind: string; detail?: string }

export type Store = {
  /** 'memory' serves one process; 'redis' and 'upstash' are shared across instances. */
  readonly kind: string
  readonly shared: boolean
  /** Claims `key` for `eventId` unless it is claimed or done (SET NX with an in-flight TTL). */
  claim(key: string, eventId: string, inFlightTtlMs: number): Promise<ClaimResult>
  /** Records the answer for duplicates, replacing the claim. */
  commit(key: string, answer: IdempotencyAnswer, ttlMs: number): Promise<void>
  /** Drops the claim if `eventId` still holds it, so the provider's retry goes through. */
  release(key: string, eventId: string): Promise<void>
  ping(): Promise<Health>
}

export type LimitResult = {
  ok: boolean
  limit: number
  remaining: number
  /** Seconds until the bucket is full again. */
  resetSec: number
  /** Seconds until one token is available (0 when ok). */
  retryAfterSec: number
  /** Set when the limiter did not answer and the request was let through (fail open). */
  reason?: 'timeout' | 'down'
}

export type Limiter = {
  readonly kind: string
  take(key: string, rule: RateLimitRule, nowMs: number): Promise<LimitResult>
}
