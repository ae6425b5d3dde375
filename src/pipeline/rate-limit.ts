/** @module A token bucket's answer → RateLimit-* headers, or 429 with Retry-After when over the limit. */
import { RateLimited } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { LimitResult } from '../store/types.ts'

/** IETF draft-ietf-httpapi-ratelimit-headers: RateLimit-Limit/-Remaining/-Reset (seconds). */
export function rateLimitHeaders(r: LimitResult): Record<string, string> {
  // A limiter that did not answer knows nothing to report.
  if (r.reason) return {}
  return {
    'RateLimit-Limit': String(r.limit),
    'RateLimit-Remaining': String(Math.max(0, r.remaining)),
    'RateLimit-Reset': String(Math.max(0, r.resetSec)),
  }
}

/** The headers to answer with; throws RateLimited when `r` refused the request. */
export function checkRateLimit(
  r: LimitResult,
  bucket: string,
  log: Logger,
): Record<string, string> {
  const headers = rateLimitHeaders(r)
  if (r.ok) return headers
  log.warn('security: rate limit exceeded', { event: 'rate_limited', bucket })
  throw new RateLimited(`rate limit of ${bucket} exceeded`, {
    retryAfter: Math.max(1, r.retryAfterSec),
    headers,
  })
}
