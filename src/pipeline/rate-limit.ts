/** @module Token bucket per {provider}:{client_id}; over the limit → 429 with RateLimit-* headers. */
import { RateLimited } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { RateLimitRule } from '../provider/types.ts'
import type { Limiter } from '../store/types.ts'

export async function enforceRateLimit(
  limiter: Limiter,
  bucket: string,
  rule: RateLimitRule,
  now: number,
  log: Logger,
): Promise<Record<string, string>> {
  const r = await limiter.take(`rl:${bucket}`, rule, now)
  // IETF draft-ietf-httpapi-ratelimit-headers: RateLimit-Limit/-Remaining/-Reset (seconds).
  const headers = {
    'RateLimit-Limit': String(r.limit),
    'RateLimit-Remaining': String(Math.max(0, r.remaining)),
    'RateLimit-Reset': String(Math.max(0, r.resetSec)),
  }
  if (r.reason) log.warn('rate limiter unavailable, failing open', { bucket, reason: r.reason })
  if (r.ok) return headers
  log.warn('security: rate limit exceeded', { event: 'rate_limited', bucket })
  throw new RateLimited(`rate limit of ${bucket} exceeded`, {
    retryAfter: Math.max(1, r.retryAfterSec),
    headers,
  })
}
