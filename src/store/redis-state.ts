/**
 * @module Store + Limiter over any Redis client (TCP or REST): key prefix, value encoding, the Lua
 * scripts, and fail-open results when Redis is slow or down. Each client file only adapts calls.
 */
import type { RateLimitRule } from '../provider/types.ts'
import { runScript, SCRIPTS, type Script, type ScriptCaller } from './scripts.ts'
import type {
  Admission,
  ClaimRequest,
  ClaimResult,
  CommitRequest,
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

export type RedisState = Store &
  Limiter &
  Required<Pick<Store, 'limitAndClaim' | 'claimMany' | 'commitMany' | 'releaseMany'>>

/**
 * Keys per script call of the many-key methods. A call holds Redis for its whole run (~1 µs per
 * key), so parts stay short for other clients, and each part answers within the client's
 * timeout (50 ms over TCP) even with a few parts queued ahead of it.
 */
export const KEYS_PER_CALL = 1000
/** Parts in flight at once: enough to keep Redis busy between replies, few enough to stay in time. */
export const CALLS_IN_FLIGHT = 4

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
    holdMs = inFlightTtlMs,
  ): Promise<Admission> {
    const { rule } = limit
    const keys = [k(limit.key), ...claims.map((c) => k(c.key))]
    const args = [
      String(rule.ratePerSec),
      String(rule.burst),
      String(Math.floor(limit.nowMs)),
      String(inFlightTtlMs),
      String(holdMs),
    ]
    for (const c of claims) args.push(c.eventId)
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

  /** Runs `script` over `items` part by part; resolves to the parts that failed, with why. */
  async function manyKeys<T extends { key: string }>(
    items: readonly T[],
    script: Script,
    lead: readonly string[],
    value: (item: T) => string,
    onReply: (reply: unknown, from: number, to: number) => void = () => {},
  ): Promise<{ from: number; to: number; err: unknown }[]> {
    const failures: { from: number; to: number; err: unknown }[] = []
    await inParts(items.length, async (from, to) => {
      const keys = new Array<string>(to - from)
      const args = [...lead]
      for (let i = from; i < to; i++) {
        const item = items[i] as T
        keys[i - from] = k(item.key)
        args.push(value(item))
      }
      try {
        onReply(await runScript(client, script, keys, args), from, to)
      } catch (err) {
        failures.push({ from, to, err })
      }
    })
    return failures
  }

  /** Rejects once every part was tried, when any part failed (like the single-key calls). */
  const allDone = (what: string, n: number, failures: { from: number; to: number; err: unknown }[]) => {
    if (failures.length === 0) return
    const missed = failures.reduce((sum, f) => sum + f.to - f.from, 0)
    throw new Error(`${what}: ${missed} of ${n} keys not written: ${explain(failures[0]?.err).detail}`)
  }

  return {
    kind: opts.kind,
    shared: true,
    limitAndClaim,
    async claimMany(claims, inFlightTtlMs, holdMs = inFlightTtlMs): Promise<ClaimResult[]> {
      const out = new Array<ClaimResult>(claims.length)
      const failures = await manyKeys(
        claims,
        SCRIPTS.claimMany,
        [String(inFlightTtlMs), String(holdMs)],
        (c) => c.eventId,
        (reply, from, to) => {
          // Only the keys not simply claimed now come back, as {i (1-based in the part), answer, …}.
          if (!Array.isArray(reply) || reply.length % 2 !== 0) throw new Error('unexpected claim reply')
          for (let i = from; i < to; i++) out[i] = { state: 'claimed' }
          for (let j = 0; j < reply.length; j += 2) {
            const i = from + Number(reply[j]) - 1
            if (!(i >= from && i < to)) throw new Error('unexpected key index in claim reply')
            out[i] = decodeHolder(reply[j + 1])
          }
        },
      )
      for (const { from, to, err } of failures) {
        const f = failed(err)
        for (let i = from; i < to; i++) out[i] = { state: 'unavailable', ...f }
      }
      return out
    },
    async commitMany(commits: readonly CommitRequest[], ttlMs) {
      const failures = await manyKeys(commits, SCRIPTS.commitMany, [String(ttlMs)], (c) =>
        doneValue(c.answer),
      )
      allDone('commit', commits.length, failures)
    },
    async releaseMany(claims) {
      const failures = await manyKeys(claims, SCRIPTS.releaseMany, [], (c) => c.eventId)
      allDone('release', claims.length, failures)
    },
    async take(key: string, rule: RateLimitRule, nowMs: number): Promise<LimitResult> {
      return (await limitAndClaim({ key, rule, nowMs }, [], 0)).limit
    },
    async claim(key, eventId, inFlightTtlMs, holdMs = inFlightTtlMs): Promise<ClaimResult> {
      try {
        return decodeHolder(
          await runScript(
            client,
            SCRIPTS.claim,
            [k(key)],
            [eventId, String(inFlightTtlMs), String(holdMs)],
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
      await runScript(client, SCRIPTS.release, [k(key)], [eventId])
    },
    async renew(key, eventId, leaseMs) {
      const held = await runScript(client, SCRIPTS.renew, [k(key)], [eventId, String(leaseMs)])
      return Number(held) === 1
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

// In flight "f:<event_id>" or "l:<lease until ms>:<event_id>" (scripts.ts CLAIM_FN); done
// "d:<outcome>:<event_id>". From a claim, '' means "claimed now", "t:<event_id>" "taken over".
const doneValue = (a: IdempotencyAnswer) => `d:${a.outcome}:${a.event_id}`

function decodeHolder(value: unknown): ClaimResult {
  const v = String(value ?? '')
  if (v === '') return { state: 'claimed' }
  if (v.startsWith('t:')) return { state: 'claimed', eventId: v.slice(2) }
  if (v.startsWith('f:')) return { state: 'in_flight', eventId: v.slice(2) }
  const lease = /^l:\d+:(.+)$/.exec(v)
  if (lease?.[1]) return { state: 'in_flight', eventId: lease[1] }
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

/** Calls `run` over [0, n) in parts of KEYS_PER_CALL, at most CALLS_IN_FLIGHT at once, in order. */
async function inParts(n: number, run: (from: number, to: number) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < n) {
      const from = next
      const to = Math.min(n, from + KEYS_PER_CALL)
      next = to
      await run(from, to)
    }
  }
  const lanes = Math.min(CALLS_IN_FLIGHT, Math.ceil(n / KEYS_PER_CALL))
  await Promise.all(Array.from({ length: lanes }, lane))
}

const describe = (
  l: typeof undefined | { reason: StoreFailure; detail: string; at: number },
): string => (l ? `${new Date(l.at).toISOString()} ${l.reason}: ${l.detail}` : 'unknown')
