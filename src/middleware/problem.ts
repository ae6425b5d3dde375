/** @module The one place errors become answers: RFC 9457 application/problem+json. */
import type { Context } from 'hono'
import { GatewayError, Unauthorized } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { AppEnv } from './request-context.ts'

export function problemResponse(err: GatewayError, requestId: string): Response {
  const headers = new Headers({ 'content-type': 'application/problem+json', ...err.headers })
  if (err.retryAfter !== undefined) headers.set('retry-after', String(err.retryAfter))
  headers.set('x-request-id', requestId)
  return new Response(JSON.stringify(err.toProblem(requestId)), { status: err.status, headers })
}

export function createErrorHandler(log: Logger) {
  return function onError(err: Error, c: Context<AppEnv>): Response {
    const requestId = c.get('requestId') ?? 'unknown'
    if (err instanceof GatewayError) {
      c.set('outcome', err.code)
      if (err instanceof Unauthorized) {
        // A security event: reason and detail go to the log, never to the caller.
        log.warn('security: authentication failed', {
          event: 'auth_failure',
          request_id: requestId,
          provider: c.get('providerId'),
          reason: err.reason,
          detail: err.why,
          ip: clientIp(c.req.raw.headers),
        })
      }
      return problemResponse(err, requestId)
    }
    c.set('outcome', 'error')
    log.error('unhandled error', { request_id: requestId, error: err.stack ?? String(err) })
    return problemResponse(new GatewayError('An internal error occurred.'), requestId)
  }
}

function clientIp(h: Headers): string | undefined {
  return (
    h.get('cf-connecting-ip') ?? h.get('x-real-ip') ?? h.get('x-forwarded-for')?.split(',')[0]?.trim() ?? undefined
  )
}
