/** @module Request id, trace context and the one log line per request. */
import type { Context, MiddlewareHandler } from 'hono'
import type { Logger } from '../observability/log.ts'
import { traceFrom, type TraceContext } from '../observability/trace.ts'

export type AppEnv = {
  Variables: {
    requestId: string
    trace: TraceContext
    providerId?: string
    /** The tenant segment of a tenant route, once it is a well-formed tenant id. */
    tenantId?: string
    outcome?: string
    /** Why a request was refused, from a fixed set (UnauthorizedReason), for the metrics label. */
    reason?: string
    /** The family of routes that answered, when not the webhooks' (`batch`): for the audit log. */
    route?: string
  }
}

// A caller's X-Request-Id is kept when it is short and plain, so logs can be joined up; one holding a
// card-number-length run of digits is replaced, so a PAN pasted there is never echoed or logged.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const CARD_LIKE_DIGITS = /\d{12,}/

function keptRequestId(given: string | undefined): string | undefined {
  return given && SAFE_REQUEST_ID.test(given) && !CARD_LIKE_DIGITS.test(given) ? given : undefined
}

export function requestContext(log: Logger, clock: () => number): MiddlewareHandler<AppEnv> {
  return async function requestContextMiddleware(c, next) {
    const started = clock()
    const given = c.req.header('x-request-id')
    const requestId = keptRequestId(given) ?? crypto.randomUUID()
    const trace = traceFrom(c.req.raw.headers)
    c.set('requestId', requestId)
    c.set('trace', trace)
    await next()
    stamp(c, 'x-request-id', requestId)
    stamp(c, 'traceparent', trace.traceparent)
    if (trace.tracestate) stamp(c, 'tracestate', trace.tracestate)
    if (c.req.path === '/health' || c.req.path === '/ready') return
    log.info('request', {
      request_id: requestId,
      trace_id: trace.traceId,
      method: c.req.method,
      path: c.req.path,
      provider: c.get('providerId'),
      tenant: c.get('tenantId'),
      outcome: c.get('outcome'),
      // Set when the shared store did not answer and the request went on unguarded (fail open).
      degraded: c.res.headers.get('txgate-degraded') ?? undefined,
      status: c.res.status,
      duration_ms: clock() - started,
    })
  }
}

/**
 * Sets a header on the finished response in place. Hono's c.header() after the handler rebuilds
 * the Response (and on Node turns @hono/node-server's lightweight one into a real undici Response
 * whose body is then streamed): ~8% of a webhook's CPU on Node. A response whose headers are
 * immutable (one passed through from fetch()) still goes through c.header().
 */
function stamp(c: Context<AppEnv>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    c.header(name, value)
  }
}
