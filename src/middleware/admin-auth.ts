/** @module Guards the operator routes (/metrics, /dashboard) with TXGATE_ADMIN_TOKEN; without it, loopback clients only. */
import type { Context, MiddlewareHandler } from 'hono'
import { fromBase64, utf8 } from '../auth/encoding.ts'
import { timingSafeEqual } from '../auth/timing-safe.ts'
import { GatewayError } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import { problemResponse } from './problem.ts'
import type { AppEnv } from './request-context.ts'

export type AdminAuthOptions = {
  /** The token; undefined or empty: see `withoutToken`. */
  token: string | undefined
  log: Logger
  /**
   * Without a token: `loopback` (the default) lets in only clients on this host — `npm start`
   * with a local Prometheus, the bench — and refuses others with 403; `open` lets everyone in
   * (TXGATE_ADMIN_OPEN=true, a private network that wants no token).
   */
  withoutToken?: 'loopback' | 'open'
  /** The client's address as the runtime sees it; a runtime that cannot tell leaves the routes open. */
  clientIp?: (c: Context<AppEnv>) => string | undefined
}

/**
 * Accepts `Authorization: Bearer <token>` (Prometheus `authorization.credentials`) and Basic with
 * the token as password (any user name), which a browser prompts for when opening the dashboard.
 */
export function adminAuth({ token, log, withoutToken = 'loopback', clientIp }: AdminAuthOptions): MiddlewareHandler<AppEnv> {
  const expected = token ? digest(utf8(token)) : undefined
  return async function adminAuthMiddleware(c, next) {
    if (!expected) {
      const ip = withoutToken === 'open' ? undefined : clientIp?.(c)
      if (ip === undefined || isLoopback(ip)) return next()
      log.warn('security: admin route refused to a remote client (no admin token is set)', {
        event: 'admin_remote_refused',
        request_id: c.get('requestId'),
        path: c.req.path,
        ip,
      })
      c.set('outcome', 'forbidden')
      return problemResponse(
        new AdminLoopbackOnly('Without TXGATE_ADMIN_TOKEN the admin routes answer clients on this host only; set the token to reach them from elsewhere.'),
        c.get('requestId'),
      )
    }
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

class AdminLoopbackOnly extends GatewayError {
  override readonly code = 'admin_loopback_only'
  override readonly status = 403
  override readonly title = 'Forbidden'
}

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x as a dual-stack socket reports it. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
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
