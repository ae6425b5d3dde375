/**
 * @module Store + Limiter over any Redis client (TCP or REST): key prefix, value encoding, the Lua
 * scripts, and fail-open results when Redis is slow or down. Each client file only adapts calls.
 */
import type { RateLimitRule } from '../provider/types.ts'
import { runScript, SCRIPTS, type ScriptCaller } from './scripts.ts'
import type {
  Admission,
  ClaimRequest,
  ClaimResult,
  Health,
  IdempotencyAnswer,
  LimitRequest,
  Limiter,
  LimitResult,
  Store,
  StoreFailure,
} from './types.ts'

/** What a Redis client must offer; `ioredis` and `@upstash/redis` adapt to it. */
export type RedisClient = ScriptCaller & {
  /** SET key value PX ttlMs. */
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** Resolves on PONG. */
  ping(): Promise<void>
  /** Why a call failed: the client's timeout, or anything else (connection, auth, server error). */
  failure(err: unknown): StoreFailure
}

export type RedisState = Store & Limiter & Required<Pick<Store, 'limitAndClaim'>>

export type RedisStateOptions = {
  kind: 'redis' | 'upstash'
  /** Prepended to every key, so deployments (and test runs) sharing a Redis do not collide. */
  prefix: string
  /** Where it points, without credentials, for /ready. */
  target: string
}

export function createRedisState(client: RedisClient, opts: RedisStateOptions): RedisState {
  const k = (key: string) => opts.prefix + key
  // Fail-open events since start, so /ready tells an operator the gateway has been running unguarded.
  let failOpen = 0
  let last: { reason: StoreFailure; detail: string; at: number } | undefined

  const explain = (err: unknown): { reason: StoreFailure; detail: string } => ({
    reason: client.failure(err),
    detail: String(err instanceof Error ? err.message : err).slice(0, 200),
  })
  const failed = (err: unknown): { reason: StoreFailure; detail: string } => {
    const f = explain(err)
    failOpen += 1
    last = { ...f, at: Date.now() }
    return f
  }

  async function limitAndClaim(
    limit: LimitRequest,
    claims: readonly ClaimRequest[],
    inFlightTtlMs: number,
  ): Promise<Admission> {
    const { rule } = limit
    const keys = [k(limit.key), ...claims.map((c) => k(c.key))]
    const args = [
      String(rule.ratePerSec),
      String(rule.burst),
      String(Math.floor(limit.nowMs)),
      String(inFlightTtlMs),
    ]
    for (const c of claims) args.push(inFlightValue(c.eventId))
    try {
      return parseAdmission(
        await runScript(client, SCRIPTS.tokenBucketClaim, keys, args),
        rule,
        claims.length,
      )
    } catch (err) {
      const f = failed(err)
      return {
        limit: { ok: true, limit: rule.burst, remaining: 0, resetSec: 0, retryAfterSec: 0, ...f },
        claims: claims.map(() => ({ state: 'unavailable', ...f })),
      }
    }
  }

  return {
    kind: opts.kind,
    shared: true,
    limitAndClaim,
    async take(key: string, rule: RateLimitRule, nowMs: number): Promise<LimitResult> {
      return (await limitAndClaim({ key, rule, nowMs }, [], 0)).limit
    },
    async claim(key, eventId, inFlightTtlMs): Promise<ClaimResult> {
      try {
        return decodeHolder(
          await runScript(
            client,
            SCRIPTS.claim,
            [k(key)],
            [inFlightValue(eventId), String(inFlightTtlMs)],
          ),
        )
      } catch (err) {
        return { state: 'unavailable', ...failed(err) }
      }
    },
    async commit(key, answer, ttlMs) {
      await client.set(k(key), doneValue(answer), ttlMs)
    },
    async release(key, eventId) {
      await runScript(client, SCRIPTS.release, [k(key)], [inFlightValue(eventId)])
    },
    async ping(): Promise<Health> {
      const started = performance.now()
      const since =
        failOpen === 0 ? '' : `; failed open ${failOpen}× since start, last ${describe(last)}`
      try {
        await client.ping()
      } catch (err) {
        const f = explain(err)
        return {
          ok: false,
          kind: opts.kind,
          detail: `${opts.target} (${opts.prefix}): ${f.reason}: ${f.detail}${since}`,
        }
      }
      const ms = (performance.now() - started).toFixed(1)
      return {
        ok: true,
        kind: opts.kind,
        detail: `${opts.target} (${opts.prefix}): PONG in ${ms} ms${since}`,
      }
    },
  }
}

// --- Internal helpers ---

// In-flight "f:<event_id>"; done "d:<outcome>:<event_id>". '' from a script means "claimed now".
const inFlightValue = (eventId: string) => `f:${eventId}`
const doneValue = (a: IdempotencyAnswer) => `d:${a.outcome}:${a.event_id}`

function decodeHolder(value: unknown): ClaimResult {
  const v = String(value ?? '')
  if (v === '') return { state: 'claimed' }
  if (v.startsWith('f:')) return { state: 'in_flight', eventId: v.slice(2) }
  const m = /^d:(published|dlq):(.+)$/.exec(v)
  if (m?.[1] && m[2])
    return {
      state: 'done',
      answer: { event_id: m[2], outcome: m[1] as IdempotencyAnswer['outcome'] },
    }
  throw new Error(`unexpected idempotency value ${JSON.stringify(v.slice(0, 40))}`)
}

function parseAdmission(reply: unknown, rule: RateLimitRule, claimCount: number): Admission {
  if (!Array.isArray(reply) || reply.length < 4) throw new Error('unexpected token bucket reply')
  const [ok, remaining, fullMs, waitMs] = reply.slice(0, 4).map(Number) as [
    number,
    number,
    number,
    number,
  ]
  const limit: LimitResult = {
    ok: ok === 1,
    limit: rule.burst,
    remaining,
    resetSec: Math.ceil(fullMs / 1000),
    retryAfterSec: Math.ceil(waitMs / 1000),
  }
  if (!limit.ok) return { limit, claims: [] }
  const holders = reply.slice(4)
  if (holders.length !== claimCount) throw new Error('unexpected claim count in reply')
  return { limit, claims: holders.map(decodeHolder) }
}

const describe = (
  l: typeof undefined | { reason: StoreFailure; detail: string; at: number },
): string => (l ? `${new Date(l.at).toISOString()} ${l.reason}: ${l.detail}` : 'unknown')
