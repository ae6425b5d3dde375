/** @module Gateway errors: one base class with a stable `code`, one subclass per cause, rendered once as RFC 9457. */

export type ProblemBody = {
  type: string
  title: string
  status: number
  detail: string
  request_id: string
  code: string
}

const TYPE_BASE = 'https://txgate.dev/problems/'

export class GatewayError extends Error {
  readonly code: string = 'internal'
  readonly status: number = 500
  readonly title: string = 'Internal error'
  /** Seconds a client should wait before retrying, sent as `Retry-After`. */
  readonly retryAfter: number | undefined
  /** Extra response headers (e.g. RateLimit-*). */
  readonly headers: Readonly<Record<string, string>>

  constructor(detail: string, opts: { retryAfter?: number; headers?: Record<string, string> } = {}) {
    super(detail)
    this.retryAfter = opts.retryAfter
    this.headers = opts.headers ?? {}
  }

  toProblem(requestId: string): ProblemBody {
    return {
      type: TYPE_BASE + this.code,
      title: this.title,
      status: this.status,
      detail: this.message,
      request_id: requestId,
      code: this.code,
    }
  }
}

export class NotFound extends GatewayError {
  override readonly code = 'not_found'
  override readonly status = 404
  override readonly title = 'Not found'
}

export class UnknownProvider extends GatewayError {
  override readonly code = 'unknown_provider'
  override readonly status = 404
  override readonly title = 'Unknown provider'
}

/** A tenant route whose tenant has no credentials for the provider: never another tenant's. */
export class UnknownTenant extends GatewayError {
  override readonly code = 'unknown_tenant'
  override readonly status = 404
  override readonly title = 'Unknown tenant'
}

export class PayloadTooLarge extends GatewayError {
  override readonly code = 'payload_too_large'
  override readonly status = 413
  override readonly title = 'Payload too large'
}

/** Why authentication failed; logged as a security event, never sent to the caller. */
export type UnauthorizedReason =
  | 'missing_header'
  | 'malformed_header'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_credentials'
  | 'bad_token'
  | 'bad_certificate'
  | 'untrusted_cert_url'

export class Unauthorized extends GatewayError {
  override readonly code = 'unauthorized'
  override readonly status = 401
  override readonly title = 'Unauthorized'
  readonly reason: UnauthorizedReason
  /** Internal detail for the security log; the response only says the request is not authentic. */
  readonly why: string

  constructor(reason: UnauthorizedReason, why: string) {
    super('The request could not be authenticated.')
    this.reason = reason
    this.why = why
  }
}

/**
 * A signed webhook timestamp outside the provider's tolerance, with its own problem code
 * (`stale_timestamp`, `future_timestamp`): the sender's clock or a long-queued retry is the likely
 * cause, and the window is no secret. Every other failure stays `unauthorized`, so a forger learns
 * nothing about which check failed; the `outcome` label stays `unauthorized` for all of them.
 */
export class TimestampOutOfTolerance extends Unauthorized {
  constructor(reason: 'stale_timestamp' | 'future_timestamp', why: string) {
    super(reason, why)
  }

  override toProblem(requestId: string): ProblemBody {
    return {
      ...super.toProblem(requestId),
      type: TYPE_BASE + this.reason,
      code: this.reason,
      detail: `The signed timestamp is outside the accepted window (${this.why}); check the sender's clock.`,
    }
  }
}

export class RateLimited extends GatewayError {
  override readonly code = 'rate_limited'
  override readonly status = 429
  override readonly title = 'Too many requests'
}

export class BadRequest extends GatewayError {
  override readonly code = 'bad_request'
  override readonly status = 400
  override readonly title = 'Bad request'
}

export class InFlight extends GatewayError {
  override readonly code = 'in_flight'
  override readonly status = 409
  override readonly title = 'Duplicate in flight'
}

export class Unavailable extends GatewayError {
  override readonly code = 'unavailable'
  override readonly status = 503
  override readonly title = 'Service unavailable'
}

export type AnyGatewayError =
  | NotFound
  | UnknownProvider
  | PayloadTooLarge
  | Unauthorized
  | RateLimited
  | BadRequest
  | InFlight
  | Unavailable
