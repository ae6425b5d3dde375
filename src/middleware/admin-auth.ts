/** @module Guards the operator routes (/metrics, /dashboard) with TXGATE_ADMIN_TOKEN when it is set. */
import type { MiddlewareHandler } from 'hono'
import { fromBase64, utf8 } from '../auth/encoding.ts'
import { timingSafeEqual } from '../auth/timing-safe.ts'
import { GatewayError } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import { problemResponse } from './problem.ts'
import type { AppEnv } from './request-context.ts'

export type AdminAuthOptions = {
  /** The token; undefined or empty leaves the routes open (a private network, a local run). */
  token: string | undefined
  log: Logger
}

/**
 * Accepts `Authorization: Bearer <token>` (Prometheus `authorization.credentials`) and Basic with
 * the token as password (any user name), which a browser prompts for when opening the dashboard.
 */
export function adminAuth({ token, log }: AdminAuthOptions): MiddlewareHandler<AppEnv> {
  const expected = token ? digest(utf8(token)) : undefined
  return async function adminAuthMiddleware(c, next) {
    if (!expected) return next()
    const given = presented(c.req.header('authorization'))
    // Compare digests: constant time, and the token's length is not revealed either.
    if (given !== undefined && timingSafeEqual(await digest(utf8(given)), await expected))
      return next()
    log.warn('security: admin authentication failed', {
      event: 'admin_auth_failure',
      request_id: c.get('requestId'),
      path: c.req.path,
      reason: given === undefined ? 'missing_header' : 'bad_credentials',
    })
    c.set('outcome', 'unauthorized')
    return problemResponse(
      new AdminUnauthorized('A valid admin token is required.'),
      c.get('requestId'),
    )
  }
}

// --- Internal helpers ---

class AdminUnauthorized extends GatewayError {
  override readonly code = 'admin_unauthorized'
  override readonly status = 401
  override readonly title = 'Unauthorized'
  override readonly headers = { 'www-authenticate': 'Basic realm="txgate admin", charset="UTF-8"' }
}

function presented(header: string | undefined): string | undefined {
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header ?? '')
  if (!m?.[2]) return undefined
  if (m[1]?.toLowerCase() === 'bearer') return m[2]
  const decoded = fromBase64(m[2])
  if (!decoded) return undefined
  const pair = new TextDecoder().decode(decoded)
  const colon = pair.indexOf(':')
  return colon < 0 ? undefined : pair.slice(colon + 1)
}

async function digest(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}
