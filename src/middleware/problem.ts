/** @module The one place errors become answers: RFC 9457 application/problem+json. */
import type { Context } from 'hono'
import type { Deps } from '../deps.ts'
import { GatewayError } from '../errors.ts'
import { auditContext, auditError, reasonOf } from '../observability/audit.ts'
import type { Logger } from '../observability/log.ts'
import { redactText } from '../observability/redact.ts'
import type { AppEnv } from './request-context.ts'

export function problemResponse(err: GatewayError, requestId: string): Response {
  const headers = new Headers({ 'content-type': 'application/problem+json', ...err.headers })
  if (err.retryAfter !== undefined) headers.set('retry-after', String(err.retryAfter))
  headers.set('x-request-id', requestId)
  const problem = err.toProblem(requestId)
  // A detail may quote the request (a provider or tenant id from the path): never a card number or credential.
  problem.detail = redactText(problem.detail)
  return new Response(JSON.stringify(problem), { status: err.status, headers })
}

export function createErrorHandler(log: Logger, clientIp?: Deps['clientIp']) {
  return function onError(err: Error, c: Context<AppEnv>): Response {
    const requestId = c.get('requestId') ?? 'unknown'
    if (err instanceof GatewayError) {
      c.set('outcome', err.code)
      const reason = reasonOf(err)
      if (reason) c.set('reason', reason)
      // Security events (401, 400) are logged here, once, with who sent the request.
      auditError(
        log,
        err,
        auditContext(requestId, c.get('providerId'), c.req.raw.headers, () => clientIp?.(c), c.get('route'), c.get('tenantId')),
      )
      return problemResponse(err, requestId)
    }
    c.set('outcome', 'error')
    log.error('unhandled error', { request_id: requestId, error: err.stack ?? String(err) })
    return problemResponse(new GatewayError('An internal error occurred.'), requestId)
  }
}
