/**
 * @module Lua scripts for Redis-backed shared state, as constants with pinned SHA-1 hashes, and the
 * EVALSHA → EVAL (on NOSCRIPT) call both Redis clients use. test/store/scripts.test.ts checks each
 * pin with crypto.subtle, so an edit to a script without a new pin fails the build, not production.
 */

/** Redis's clock in ms: scripts may read it (effects replication, Redis ≥ 5). */
const REDIS_MS_FN = `local function redis_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

/**
 * The claim every claiming script shares. An in-flight value is `f:<id>` (it lives as long as its
 * lease, the key's TTL) or, when the caller holds the id longer than the lease (`hold > lease`),
 * `l:<lease until ms>:<id>` under the longer TTL: a claim whose lease ran out (its holder died
 * after a durable publish but before the commit) is then taken over under the SAME id, so the
 * redelivered event is published again with the event_id it may already carry downstream.
 * Returns '' when claimed now, 't:<id>' when taken over, else the value that holds the key.
 * Leases are timed by Redis's clock (TIME), the one clock every instance shares.
 */
const CLAIM_FN = `local function claim(key, id, lease, hold, now)
  local value, ttl = 'f:' .. id, lease
  if hold > lease then value, ttl = 'l:' .. string.format('%.0f', now + lease) .. ':' .. id, hold end
  if redis.call('SET', key, value, 'NX', 'PX', ttl) then return '' end
  local v = redis.call('GET', key) or ''
  local till, held = string.match(v, '^l:(%d+):(.*)$')
  if not till or tonumber(till) > now then return v end
  if hold > lease then value = 'l:' .. string.format('%.0f', now + lease) .. ':' .. held else value = 'f:' .. held end
  redis.call('SET', key, value, 'PX', ttl)
  return 't:' .. held
end
`

/**
 * Ends `id`'s claim on `key`: an `f:` claim is deleted, an `l:` claim keeps its id (lease 0 until
 * its TTL), so the provider's retry is published under the same event id. Returns 1 if it held it.
 */
const RELEASE_FN = `local function release(key, id)
  local v = redis.call('GET', key)
  if not v then return 0 end
  if v == 'f:' .. id then return redis.call('DEL', key) end
  local till, held = string.match(v, '^l:(%d+):(.*)$')
  if held == id and till ~= '0' then
    redis.call('SET', key, 'l:0:' .. id, 'KEEPTTL')
    return 1
  end
  return 0
end
`

/**
 * Token bucket, then (only when a token was taken) the claim of each idempotency key: one round
 * trip for the whole admission decision. A limited request takes no claim.
 *
 * KEYS[1] bucket hash {t = tokens, at = ms of the last refill}; KEYS[2..] idempotency keys.
 * ARGV[1] tokens per second, ARGV[2] burst, ARGV[3] caller's now (ms), ARGV[4] lease (ms),
 * ARGV[5] hold (ms), ARGV[6..] the event id for each idempotency key.
 * Returns {ok 1|0, remaining, ms until full, ms until one token, then per key: CLAIM_FN's answer}.
 *
 * The caller's clock is used (as ratelimit-js does); `at` never moves backwards, so an instance
 * whose clock lags another's gets no extra refill, only a slightly later one.
 */
export const TOKEN_BUCKET_CLAIM = `${REDIS_MS_FN}${CLAIM_FN}local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local ok = tokens >= 1
if ok then tokens = tokens - 1 end
local full = math.ceil((burst - tokens) * 1000 / rate)
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'at', at)
redis.call('PEXPIRE', KEYS[1], full + 1000)
local wait = 0
if not ok then wait = math.ceil((1 - tokens) * 1000 / rate) end
local out = {ok and 1 or 0, math.floor(tokens), full, wait}
if ok then
  local lease = tonumber(ARGV[4])
  local hold = tonumber(ARGV[5])
  local lease_now = redis_ms()
  for i = 2, #KEYS do
    out[#out + 1] = claim(KEYS[i], ARGV[i + 4], lease, hold, lease_now)
  end
end
return out
`
export const TOKEN_BUCKET_CLAIM_SHA1 = 'aa7b841e72d63925cebba2635814ec87dc871ffe'

/** CLAIM_FN for one key. KEYS[1]; ARGV[1] event id, ARGV[2] lease (ms), ARGV[3] hold (ms). */
export const CLAIM = `${REDIS_MS_FN}${CLAIM_FN}return claim(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), redis_ms())
`
export const CLAIM_SHA1 = 'd572ced3e8d17d92f3bf58e6cc81833a5fa9ed9b'

/** RELEASE_FN for one key. KEYS[1]; ARGV[1] the event id that should hold it. */
export const RELEASE = `${RELEASE_FN}return release(KEYS[1], ARGV[1])
`
export const RELEASE_SHA1 = '0dda09d9bfabbc69d37478b1bee89f96ca8512a5'

/**
 * Extends ARGV[1]'s claim on KEYS[1] to ARGV[2] (lease, ms) from now: a long job keeps
 * its claim while it runs, and a dead one's claim runs out within one lease. Returns 1 if it still
 * held an unexpired lease.
 */
export const RENEW = `${REDIS_MS_FN}local now = redis_ms()
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'f:' .. ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local till, held = string.match(v, '^l:(%d+):(.*)$')
if held == ARGV[1] and tonumber(till) > now then
  redis.call('SET', KEYS[1], 'l:' .. string.format('%.0f', now + tonumber(ARGV[2])) .. ':' .. held, 'KEEPTTL')
  return 1
end
return 0
`
export const RENEW_SHA1 = '1ded81363e07cf50e9768e3dd15ecd612dbc4d5b'

/**
 * CLAIM over many keys, in order (a key twice in one call is held by the first). KEYS[1..n];
 * ARGV[1] lease, ARGV[2] hold (ms), ARGV[i + 2] the event id for KEYS[i].
 * Returns only the keys not simply claimed now, flat as {i, CLAIM_FN's answer for KEYS[i], …}: in
 * a batch almost every key is new, so the usual reply is empty instead of n empty strings.
 */
export const CLAIM_MANY = `${REDIS_MS_FN}${CLAIM_FN}local lease = tonumber(ARGV[1])
local hold = tonumber(ARGV[2])
local now = redis_ms()
local out = {}
for i = 1, #KEYS do
  local r = claim(KEYS[i], ARGV[i + 2], lease, hold, now)
  if r ~= '' then
    out[#out + 1] = i
    out[#out + 1] = r
  end
end
return out
`
export const CLAIM_MANY_SHA1 = '8d35ae39785fab66ad9d6d25a8a5dd33161e26ac'

/** The single-key commit (SET PX) over many keys. KEYS[1..n]; ARGV[1] TTL (ms), ARGV[i + 1] value. */
export const COMMIT_MANY = `for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1])
end
return #KEYS
`
export const COMMIT_MANY_SHA1 = 'ef188fb6896afdff294d6ab39fe356ac396b931b'

/** RELEASE_FN over many keys. KEYS[1..n]; ARGV[i] the event id for KEYS[i]. Returns how many. */
export const RELEASE_MANY = `${RELEASE_FN}local n = 0
for i = 1, #KEYS do
  n = n + release(KEYS[i], ARGV[i])
end
return n
`
export const RELEASE_MANY_SHA1 = '48999506f05e221f5100eee4466a93335295236e'

export type Script = { source: string; sha1: string }

export const SCRIPTS = {
  tokenBucketClaim: { source: TOKEN_BUCKET_CLAIM, sha1: TOKEN_BUCKET_CLAIM_SHA1 },
  claim: { source: CLAIM, sha1: CLAIM_SHA1 },
  release: { source: RELEASE, sha1: RELEASE_SHA1 },
  renew: { source: RENEW, sha1: RENEW_SHA1 },
  claimMany: { source: CLAIM_MANY, sha1: CLAIM_MANY_SHA1 },
  commitMany: { source: COMMIT_MANY, sha1: COMMIT_MANY_SHA1 },
  releaseMany: { source: RELEASE_MANY, sha1: RELEASE_MANY_SHA1 },
} as const satisfies Record<string, Script>

/** The two calls a Redis client needs for scripts; both clients adapt to it. */
export type ScriptCaller = {
  evalsha(sha1: string, keys: readonly string[], args: readonly string[]): Promise<unknown>
  eval(source: string, keys: readonly string[], args: readonly string[]): Promise<unknown>
}

/** EVALSHA, and EVAL when Redis does not hold the script (after a restart or SCRIPT FLUSH). */
export async function runScript(
  redis: ScriptCaller,
  script: Script,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys, args)
  } catch (err) {
    if (!String(err instanceof Error ? err.message : err).includes('NOSCRIPT')) throw err
    // EVAL also caches the script, so the next EVALSHA finds it.
    return redis.eval(script.source, keys, args)
  }
}
