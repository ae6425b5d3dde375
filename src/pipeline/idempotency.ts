/** @module Claim before publishing, commit the answer after, release when the publish fails. */
import { InFlight } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { IdempotencyAnswer, Store } from '../store/types.ts'

export type Claim =
  | { state: 'claimed'; key: string; eventId: string }
  | { state: 'duplicate'; answer: IdempotencyAnswer }
  /** The store did not answer; the event goes through unguarded (fail open). */
  | { state: 'unguarded'; key: string; eventId: string }

export type Idempotency = {
  claim(provider: string, idempotencyKey: string, eventId: string): Promise<Claim>
  commit(claim: Claim, outcome: IdempotencyAnswer['outcome']): Promise<void>
  release(claim: Claim): Promise<void>
}

export function createIdempotency(
  store: Store,
  opts: { inFlightTtlMs: number; ttlMs: number },
  log: Logger,
): Idempotency {
  return {
    async claim(provider, idempotencyKey, eventId) {
      const key = `idem:${provider}:${idempotencyKey}`
      const r = await store.claim(key, eventId, opts.inFlightTtlMs)
      switch (r.state) {
        case 'claimed':
          return { state: 'claimed', key, eventId }
        case 'done':
          return { state: 'duplicate', answer: r.answer }
        case 'in_flight':
          throw new InFlight('the same event is being processed; retry shortly', { retryAfter: 1 })
        case 'unavailable':
          log.warn('idempotency store unavailable, failing open', { provider, reason: r.reason })
          return { state: 'unguarded', key, eventId }
      }
    },
    async commit(claim, outcome) {
      if (claim.state === 'duplicate') return
      try {
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
