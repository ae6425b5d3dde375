/**
 * @module Redis over Upstash's REST API (`@upstash/redis`, fetch only: runs on the edge and on
 * servers): the shared Store + Limiter, enabled by UPSTASH_REDIS_REST_URL and _TOKEN.
 *
 * The limiter is our Lua token bucket (scripts.ts) over this client, not `@upstash/ratelimit`:
 * - its script answers the limit only, so limit + claim would be two sequential HTTPS round trips
 *   (the claim waits for the limit's answer), where ours decides both in one;
 * - its bucket keeps a different layout, so edge and server instances sharing one Redis would each
 *   count their own bucket for the same client; with one script they count the same one;
 * - its token bucket refills in steps of whole-millisecond intervals, which cannot express rates
 *   above 1000/s per token (our providers default to 1000/s with bursts of 2000).
 * What we take from it: pinned script hashes with EVALSHA → EVAL, and a timeout that fails open.
 */
import { Redis } from '@upstash/redis/cloudflare'
import { createRedisState, type RedisState } from './redis-state.ts'

/** REST calls cross the internet from an edge location; 50 ms (the TCP default) is too tight. */
export const DEFAULT_UPSTASH_TIMEOUT_MS = 500

export type UpstashStoreOptions = {
  url: string
  token: string
  prefix: string
  timeoutMs?: number
}

export function createUpstashStore(opts: UpstashStoreOptions): RedisState {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_UPSTASH_TIMEOUT_MS
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    // A function: each request gets its own deadline, and an abort throws (a plain signal would
    // make the client answer "Aborted" as if it were Redis's reply).
    signal: () => AbortSignal.timeout(timeoutMs),
    // Retrying with backoff would blow the latency budget; failing open is the answer to an outage.
    retry: false,
    // Values are our own strings; JSON-parsing them would turn "1" into 1.
    automaticDeserialization: false,
    enableTelemetry: false,
    // One request per webhook: a timeout or NOSCRIPT in a shared batch would hit unrelated requests.
    enableAutoPipelining: false,
  })
  return createRedisState(
    {
      evalsha: (sha1, keys, args) => redis.evalsha(sha1, [...keys], [...args]),
      eval: (source, keys, args) => redis.eval(source, [...keys], [...args]),
      async set(key, value, ttlMs) {
        await redis.set(key, value, { px: ttlMs })
      },
      async ping() {
        await redis.ping()
      },
      failure: (err) =>
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
          ? 'timeout'
          : 'down',
    },
    { kind: 'upstash', prefix: opts.prefix, target: new URL(opts.url).origin },
  )
}
