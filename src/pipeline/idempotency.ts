/** @module Claim before publishing, commit the answer after, release when the publish fails. */
import { InFlight } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { ClaimResult, IdempotencyAnswer, Store, StoreFailure } from '../store/types.ts'

export type Claim =
  | { state: 'claimed'; key: string; eventId: string }
  | { state: 'duplicate'; answer: IdempotencyAnswer }
  /** Another request holds the key and has not answered yet: 409, the provider retries. */
  | { state: 'in_flight'; eventId: string }
  /** The store did not answer; the event goes through unguarded (fail open). */
  | { state: 'unguarded'; key: string; eventId: string; reason: StoreFailure; detail?: string }

export type Idempotency = {
  claim(scope: string, idempotencyKey: string, eventId: string): Promise<Claim>
  commit(claim: Claim, outcome: IdempotencyAnswer['outcome']): Promise<void>
  release(claim: Claim): Promise<void>
}

/**
 * The store key of an idempotency key (DESIGN: `idem:{provider}:{key}`; scope: src/store/scope.ts).
 * The braces are a Redis Cluster hash tag: a request's claim and its bucket (`rl:{scope}:client`)
 * hash to one slot, so the one script that limits and claims runs on one node.
 */
export const idempotencyStoreKey = (scope: string, idempotencyKey: string): string =>
  `idem:{${scope}}:${idempotencyKey}`

/** What the store answered, as the pipeline acts on it. */
export function toClaim(r: ClaimResult, key: string, eventId: string): Claim {
  switch (r.state) {
    case 'claimed':
      // A taken-over claim keeps the id its first holder may already have published under.
      return { state: 'claimed', key, eventId: r.eventId ?? eventId }
    case 'done':
      return { state: 'duplicate', answer: r.answer }
    case 'in_flight':
      return { state: 'in_flight', eventId: r.eventId }
    case 'unavailable':
      return {
        state: 'unguarded',
        key,
        eventId,
        reason: r.reason,
        ...(r.detail ? { detail: r.detail } : {}),
      }
  }
}

/**
 * A claim whose holder stopped before answering (killed, or its lease ran out mid-publish) was
 * taken over: the event goes out again under its first id, which consumers dedupe on.
 */
export function logTakeover(log: Logger, key: string, eventId: string): void {
  log.warn('idempotency: took over an expired in-flight claim; republishing under its event id', {
    key,
    event_id: eventId,
  })
}

/** The 409 for a duplicate still in flight; it names the first copy's event id. */
export function inFlightError(eventId: string): InFlight {
  return new InFlight('the same event is being processed; retry shortly', {
    retryAfter: 1,
    headers: { 'txgate-event-id': eventId },
  })
}

export function createIdempotency(
  store: Store,
  opts: { inFlightTtlMs: number; ttlMs: number },
  log: Logger,
): Idempotency {
  return {
    async claim(scope, idempotencyKey, eventId) {
      const key = idempotencyStoreKey(scope, idempotencyKey)
      const r = await store.claim(key, eventId, opts.inFlightTtlMs, opts.ttlMs)
      if (r.state === 'claimed' && r.eventId) logTakeover(log, key, r.eventId)
      return toClaim(r, key, eventId)
    },
    async commit(claim, outcome) {
      if (claim.state !== 'claimed' && claim.state !== 'unguarded') return
      try {
        // Also after failing open: if the store is back, later copies are recognised.
        await store.commit(claim.key, { event_id: claim.eventId, outcome }, opts.ttlMs)
      } catch (err) {
        // The event is published; a failed commit only weakens dedupe to at-least-once.
        log.warn('idempotency commit failed', { key: claim.key, error: String(err) })
      }
    },
    async release(claim) {
      if (claim.state !== 'claimed') return
      await store.release(claim.key, claim.eventId).catch((err: unknown) => {
        log.warn('idempotency release failed', { key: claim.key, error: String(err) })
      })
    },
  }
}
