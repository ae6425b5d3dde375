/**
 * @module Lua scripts for Redis-backed shared state, as constants with pinned SHA-1 hashes, and the
 * EVALSHA → EVAL (on NOSCRIPT) call both Redis clients use. test/store/scripts.test.ts checks each
 * pin with crypto.subtle, so an edit to a script without a new pin fails the build, not production.
 */

/**
 * Token bucket, then (only when a token was taken) SET NX of each idempotency key: one round trip
 * for the whole admission decision. A limited request takes no claim.
 *
 * KEYS[1] bucket hash {t = tokens, at = ms of the last refill}; KEYS[2..] idempotency keys.
 * ARGV[1] tokens per second, ARGV[2] burst, ARGV[3] caller's now (ms), ARGV[4] in-flight TTL (ms),
 * ARGV[5..] the in-flight value for each idempotency key.
 * Returns {ok 1|0, remaining, ms until full, ms until one token, then per key: '' when claimed,
 * else the value that holds it}.
 *
 * The caller's clock is used (as ratelimit-js does); `at` never moves backwards, so an instance
 * whose clock lags another's gets no extra refill, only a slightly later one.
 */
export const TOKEN_BUCKET_CLAIM = `local rate = tonumber(ARGV[1])
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
  for i = 2, #KEYS do
    if redis.call('SET', KEYS[i], ARGV[i + 3], 'NX', 'PX', ARGV[4]) then
      out[#out + 1] = ''
    else
      out[#out + 1] = redis.call('GET', KEYS[i]) or ''
    end
  end
end
return out
`
export const TOKEN_BUCKET_CLAIM_SHA1 = '0d925b59f741242577f970b9c51a110f9b7323d4'

/** SET NX PX, else the value that holds the key. KEYS[1]; ARGV[1] value, ARGV[2] TTL (ms). */
export const CLAIM = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return '' end
return redis.call('GET', KEYS[1]) or ''
`
export const CLAIM_SHA1 = 'cb5fbe34dd2988ba4275025c71c2ac9b54e550b3'

/** Deletes KEYS[1] only while it still holds ARGV[1] (our in-flight claim, not a later one). */
export const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`
export const RELEASE_SHA1 = 'e5a212447e6ae33c5b92e0c862054e8ac229b69b'

/**
 * CLAIM over many keys: the same SET NX PX per key, in order (a key twice in one call is held by
 * the first). KEYS[1..n]; ARGV[1] in-flight TTL (ms), ARGV[i + 1] the in-flight value for KEYS[i].
 * Returns only the keys not claimed now, flat as {i, value that holds KEYS[i], …}: in a batch
 * almost every key is new, so the usual reply is empty instead of n empty strings.
 */
export const CLAIM_MANY = `local out = {}
for i = 1, #KEYS do
  if not redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'PX', ARGV[1]) then
    out[#out + 1] = i
    out[#out + 1] = redis.call('GET', KEYS[i]) or ''
  end
end
return out
`
export const CLAIM_MANY_SHA1 = 'e6cde111826687302207261333e19d50397bf0ac'

/** The single-key commit (SET PX) over many keys. KEYS[1..n]; ARGV[1] TTL (ms), ARGV[i + 1] value. */
export const COMMIT_MANY = `for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1])
end
return #KEYS
`
export const COMMIT_MANY_SHA1 = 'ef188fb6896afdff294d6ab39fe356ac396b931b'

/** RELEASE over many keys: deletes KEYS[i] only while it still holds ARGV[i]. Returns how many. */
export const RELEASE_MANY = `local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then n = n + redis.call('DEL', KEYS[i]) end
end
return n
`
export const RELEASE_MANY_SHA1 = '7466f2777ab0a885d929e65611a140eaba373559'

export type Script = { source: string; sha1: string }

export const SCRIPTS = {
  tokenBucketClaim: { source: TOKEN_BUCKET_CLAIM, sha1: TOKEN_BUCKET_CLAIM_SHA1 },
  claim: { source: CLAIM, sha1: CLAIM_SHA1 },
  release: { source: RELEASE, sha1: RELEASE_SHA1 },
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
