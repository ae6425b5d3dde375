/** @module Random bytes drawn from a pooled getRandomValues buffer, for ids minted per request. */

// getRandomValues per id was ~4% of a webhook's CPU on Node (three calls a request: trace id,
// span id, event id). One call per 8 KiB serves ~300 requests; Node's randomUUID pools the same way.
const POOL_BYTES = 8192
const pool: Uint8Array<ArrayBuffer> = new Uint8Array(POOL_BYTES)
let at = POOL_BYTES

/** `n` (≤ 8192) fresh random bytes. The view is only valid until the next call: copy to keep. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (at + n > POOL_BYTES) {
    crypto.getRandomValues(pool)
    at = 0
  }
  const out = pool.subarray(at, at + n)
  at += n
  return out
}
