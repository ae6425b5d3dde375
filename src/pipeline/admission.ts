/**
 * @module Admission: the rate limit, then the idempotency claims of a request's events — in one
 * round trip when one Redis serves as both store and limiter (it sits on every webhook's latency).
 * A limited request takes no claim. When the store does not answer, the request goes on unguarded
 * (fail open: logged, and `txgate-degraded` on the answer) or, for a fail-closed provider, gets 503.
 */
import type { Deps } from '../deps.ts'
import { Unavailable } from '../errors.ts'
import { uuidv7 } from '../message/uuidv7.ts'
import type { Logger } from '../observability/log.ts'
import type { RateLimitRule } from '../provider/types.ts'
import type { ClaimResult, LimitResult, StoreFailure } from '../store/types.ts'
import {
  idempotencyStoreKey,
  inFlightError,
  logTakeover,
  toClaim,
  type Claim,
  type Idempotency,
} from './idempotency.ts'
import { checkRateLimit } from './rate-limit.ts'

export type AdmissionRequest = {
  provider: string
  /** keyScope(provider, tenant): what the claims are keyed under. */
  scope: string
  /** `<scope>:<client_id>`, as logs name it. */
  bucket: string
  rule: RateLimitRule
  now: number
  /** Idempotency keys of the request's transaction events (repeats allowed); empty: limit only. */
  keys: readonly string[]
}

export type Gate = {
  /** RateLimit-* headers, and `txgate-degraded` when the store did not answer. */
  headers: Record<string, string>
  /**
   * The claim for one of the requested keys; throws 409 when another request holds it. A key seen
   * again within the request answers as a duplicate of its first event.
   */
  take(idempotencyKey: string): Exclude<Claim, { state: 'in_flight' }>
  /** Releases the claims no event took (an earlier event of the request failed). */
  releaseUntaken(): Promise<void>
}

export type Admission = { admit(req: AdmissionRequest): Promise<Gate> }

// Retry-After for a fail-closed provider while the store is out.
const STORE_RETRY_AFTER_SEC = 10

export function createAdmission(
  deps: Pick<Deps, 'store' | 'limiter' | 'config' | 'log' | 'clock' | 'metrics'>,
  idempotency: Idempotency,
): Admission {
  const { store, limiter, config } = deps
  // One round trip only when the same backend answers both (one Redis client serves both ports).
  const combined =
    store.limitAndClaim && (store as object) === (limiter as object)
      ? store.limitAndClaim
      : undefined
  const warn = throttled(deps.log, deps.clock)

  async function decide(req: AdmissionRequest, claims: { key: string; eventId: string }[]) {
    // The scope in braces: the claims' Redis Cluster hash tag (idempotencyStoreKey), so one script, one slot.
    const limitKey = `rl:{${req.scope}}${req.bucket.slice(req.scope.length)}`
    if (combined) {
      return combined.call(
        store,
        { key: limitKey, rule: req.rule, nowMs: req.now },
        claims,
        config.inFlightTtlMs,
        config.idempotencyTtlMs,
      )
    }
    const limit = await limiter.take(limitKey, req.rule, req.now)
    const results: ClaimResult[] = []
    if (limit.ok)
      for (const c of claims)
        results.push(
          await store.claim(c.key, c.eventId, config.inFlightTtlMs, config.idempotencyTtlMs),
        )
    return { limit, claims: results }
  }

  return {
    async admit(req) {
      const unique = [...new Set(req.keys)]
      const wanted = unique.map((k) => ({
        key: idempotencyStoreKey(req.scope, k),
        eventId: uuidv7(req.now),
      }))
      const { limit, claims: results } = await decide(req, wanted)
      const claims = new Map<string, Claim>()
      results.forEach((r, i) => {
        const w = wanted[i]
        const k = unique[i]
        if (w && k !== undefined) claims.set(k, toClaim(r, w.key, w.eventId))
        if (r.state === 'claimed' && r.eventId && w) {
          logTakeover(deps.log, w.key, r.eventId)
          deps.metrics?.count('txgate_idempotency_takeovers_total', { provider: req.provider })
        }
      })
      const gate = createGate(claims, idempotency)

      const failure = failureOf(limit, [...claims.values()])
      if (failure) {
        const closed = config.failClosed(req.provider)
        warn(
          closed ? 'store unavailable, refusing (fail closed)' : 'store unavailable, failing open',
          {
            provider: req.provider,
            bucket: req.bucket,
            ...failure,
          },
        )
        if (!closed)
          deps.metrics?.count('txgate_store_fail_open_total', {
            provider: req.provider,
            reason: failure.reason,
          })
        if (closed) {
          await gate.releaseUntaken()
          throw new Unavailable('idempotency and rate-limit state is unreachable; retry later', {
            retryAfter: STORE_RETRY_AFTER_SEC,
          })
        }
      }
      gate.headers = checkRateLimit(limit, req.bucket, deps.log)
      if (failure) gate.headers['txgate-degraded'] = `store-${failure.reason}`
      return gate
    },
  }
}

// --- Internal helpers ---

function createGate(claims: Map<string, Claim>, idempotency: Idempotency): Gate {
  const taken = new Map<string, string>() // key → event id of its first event in this request
  return {
    headers: {},
    take(k) {
      const first = taken.get(k)
      if (first !== undefined)
        return { state: 'duplicate', answer: { event_id: first, outcome: 'published' } }
      const claim = claims.get(k)
      if (!claim) throw new Error(`no claim was requested for idempotency key ${JSON.stringify(k)}`)
      if (claim.state === 'in_flight') throw inFlightError(claim.eventId)
      taken.set(k, claim.state === 'duplicate' ? claim.answer.event_id : claim.eventId)
      return claim
    },
    async releaseUntaken() {
      for (const [k, claim] of claims) if (!taken.has(k)) await idempotency.release(claim)
    },
  }
}

function failureOf(
  limit: LimitResult,
  claims: Claim[],
): { reason: StoreFailure; detail?: string } | undefined {
  if (limit.reason)
    return { reason: limit.reason, ...(limit.detail ? { detail: limit.detail } : {}) }
  for (const c of claims) {
    if (c.state === 'unguarded')
      return { reason: c.reason, ...(c.detail ? { detail: c.detail } : {}) }
  }
  return undefined
}

/** At most one line per second for the same message, with how many were left out: an outage must
 * be visible without one log line per request at thousands of requests a second. */
function throttled(log: Logger, clock: () => number) {
  const last = new Map<string, { at: number; suppressed: number }>()
  return (msg: string, fields: Record<string, unknown>): void => {
    const now = clock()
    const seen = last.get(msg)
    if (seen && now - seen.at < 1000) {
      seen.suppressed += 1
      return
    }
    log.warn(msg, { ...fields, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) })
    last.set(msg, { at: now, suppressed: 0 })
  }
}
