/**
 * @module Security events and outcome labels: what a request's error or result means for the
 * audit log (one line per security event) and for the fixed `outcome` label set of the metrics.
 */
import { BadRequest, GatewayError, Unauthorized, type UnauthorizedReason } from '../errors.ts'
import type { Logger } from './log.ts'
import type { Outcome } from './metric-catalog.ts'
import type { Metrics } from './metrics.ts'

export type AuditContext = {
  requestId: string
  provider: string | undefined
  /** The peer address as the runtime saw it (socket, or the platform's verified header). */
  ip: string | undefined
  /** The first X-Forwarded-For / X-Real-IP hop: client-supplied, unverified, logged as such. */
  forwardedFor: string | undefined
  /** The family of routes, when not the webhooks' (`batch`). */
  route?: string | undefined
  /** The tenant of a tenant route (`/webhooks/v1/{provider}/events/{tenant}`), when well formed. */
  tenant?: string | undefined
}

/** Timestamps outside the tolerance are what a replayed (captured and resent) request looks like. */
const REPLAY_REASONS: ReadonlySet<UnauthorizedReason> = new Set([
  'stale_timestamp',
  'future_timestamp',
])

/**
 * Logs the security event an error stands for, if it is one. Rate-limit violations are logged
 * where the limit is checked (pipeline/rate-limit.ts), with the bucket.
 */
export function auditError(log: Logger, err: GatewayError, ctx: AuditContext): void {
  const who = {
    request_id: ctx.requestId,
    ...(ctx.route ? { route: ctx.route } : {}),
    provider: ctx.provider,
    ...(ctx.tenant ? { tenant: ctx.tenant } : {}),
    ip: ctx.ip,
    forwarded_for: ctx.forwardedFor,
  }
  if (err instanceof Unauthorized) {
    // Reason and detail go to the log only, never to the caller.
    const replay = REPLAY_REASONS.has(err.reason)
    log.warn(
      replay
        ? 'security: replay attempt (timestamp outside tolerance)'
        : 'security: authentication failed',
      {
        event: replay ? 'replay_attempt' : 'auth_failure',
        ...who,
        reason: err.reason,
        detail: err.why,
      },
    )
  } else if (err instanceof BadRequest) {
    log.warn('security: format check failed', {
      event: 'format_failure',
      ...who,
      detail: err.message,
    })
  }
}

/** Counts each event of an answered request and logs its duplicate deliveries. */
export function auditEvents(
  log: Logger,
  metrics: Metrics,
  ctx: AuditContext & { provider: string },
  items: readonly (
    { kind: 'ignored' } | { kind: 'accepted' | 'dlq' | 'duplicate'; eventId: string }
  )[],
): void {
  for (const item of items) {
    metrics.count('txgate_events_total', { provider: ctx.provider, outcome: item.kind })
    if (item.kind === 'duplicate') auditDuplicate(log, ctx, item.eventId)
  }
}

/** A duplicate delivery: usually a provider's retry, possibly a replay; info level. */
function auditDuplicate(log: Logger, ctx: AuditContext, eventId: string): void {
  log.info('security: duplicate delivery', {
    event: 'replay_attempt',
    kind: 'duplicate',
    request_id: ctx.requestId,
    provider: ctx.provider,
    ...(ctx.tenant ? { tenant: ctx.tenant } : {}),
    ip: ctx.ip,
    first_event_id: eventId,
  })
}

const BY_CODE: Readonly<Record<string, Outcome>> = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  ignored: 'ignored',
  dlq: 'dlq',
  // An envelope whose events fared differently (some new, some duplicates) was accepted.
  mixed: 'accepted',
  unauthorized: 'unauthorized',
  rate_limited: 'rate_limited',
  bad_request: 'bad_request',
  payload_too_large: 'too_large',
  unavailable: 'unavailable',
  in_flight: 'in_flight',
  not_found: 'not_found',
  unknown_provider: 'not_found',
  method_not_allowed: 'bad_request',
}

/** The metrics outcome of a request: its result kind or error code, else by status. */
export function outcomeLabel(outcome: string | undefined, status: number): Outcome {
  const known = outcome === undefined ? undefined : BY_CODE[outcome]
  if (known) return known
  if (status === 401 || status === 403) return 'unauthorized'
  if (status === 404) return 'not_found'
  if (status === 409) return 'in_flight'
  if (status === 413) return 'too_large'
  if (status === 429) return 'rate_limited'
  if (status === 503) return 'unavailable'
  if (status >= 400 && status < 500) return 'bad_request'
  return status < 400 ? 'accepted' : 'error'
}

/** The error's reason label (`unauthorized` only): one of the fixed UnauthorizedReason values. */
export const reasonOf = (err: GatewayError): UnauthorizedReason | undefined =>
  err instanceof Unauthorized ? err.reason : undefined

/** Who sent the request, as far as the audit log can tell. */
export function auditContext(
  requestId: string,
  provider: string | undefined,
  headers: Headers,
  peer: () => string | undefined,
  route?: string,
  tenant?: string,
): AuditContext {
  let ip: string | undefined
  try {
    ip = peer()
  } catch {
    ip = undefined // a runtime without connection info
  }
  const forwarded =
    headers.get('x-forwarded-for')?.split(',')[0]?.trim() || headers.get('x-real-ip') || undefined
  return { requestId, provider, ip, forwardedFor: forwarded, route, tenant }
}
