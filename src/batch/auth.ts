/** @module Who may use the batch routes: the admin token, or a JWT as the generic provider checks it. */
import { utf8 } from '../auth/encoding.ts'
import { verifyJwt } from '../auth/jwt.ts'
import { jwt } from '../auth/schemes.ts'
import { timingSafeEqual } from '../auth/timing-safe.ts'
import type { VerifyEnv } from '../auth/types.ts'
import { isConfigured } from '../auth/verify.ts'
import type { Settings } from '../config.ts'
import { Unauthorized, type UnauthorizedReason } from '../errors.ts'
import { createVerifyEnv } from '../pipeline/verify-env.ts'

export const ADMIN_TOKEN = 'TXGATE_ADMIN_TOKEN'
export const BATCH_JWT_AUDIENCE = 'TXGATE_BATCH_JWT_AUDIENCE'

/**
 * The generic provider's key source (JWKS URL or PEM key), issuer, algorithms and max age (300 s,
 * `iat` required), with an audience of its own and no fallback to GENERIC_JWT_AUDIENCE: the batch
 * routes publish for every provider with a mapping and show every job, so a token a producer holds
 * to post its own webhooks must not open them. Setting the audience is what switches JWTs on here.
 */
export const BATCH_JWT = jwt({
  jwksUrl: 'GENERIC_JWKS_URL',
  publicKey: 'GENERIC_JWT_PUBLIC_KEY',
  issuer: 'GENERIC_JWT_ISSUER',
  audience: BATCH_JWT_AUDIENCE,
})

/** Who was let in: the operator's token, or a JWT and its `sub` (logged with the job). */
export type BatchCaller = { via: 'admin_token' } | { via: 'jwt'; sub: string | undefined }

export type BatchAuthOutcome =
  | { ok: true; caller: BatchCaller }
  | { ok: false; error: Unauthorized }

export type BatchAuth = {
  /** A start-up warning: the routes are closed, or a JWT setting is present but incomplete. */
  warning: string | undefined
  authenticate(req: Request, now: number): Promise<BatchAuthOutcome>
}

export function createBatchAuth(settings: Settings, fetchImpl: typeof fetch): BatchAuth {
  const token = settings[ADMIN_TOKEN]
  const expected = token ? utf8(`Bearer ${token}`) : undefined
  const env: VerifyEnv = createVerifyEnv(settings, fetchImpl, undefined)
  const jwtOn = isConfigured(BATCH_JWT, env)
  const { audience, issuer, jwksUrl, publicKey } = BATCH_JWT
  const needs = `${audience}, ${issuer} and ${jwksUrl} or ${publicKey}`
  const closed = !expected && !jwtOn ? `set ${ADMIN_TOKEN}, or ${needs}` : undefined
  const halfSet = !jwtOn && env.setting(BATCH_JWT_AUDIENCE) !== undefined
  const warning = closed
    ? `batch routes are closed: ${closed}`
    : halfSet
      ? `batch JWTs need ${needs}; one is missing, so JWTs are refused`
      : undefined

  return {
    warning,
    async authenticate(req, now) {
      if (closed) return refuse('bad_token', `batch routes are closed: ${closed}`)
      const header = req.headers.get('authorization')
      if (!header) return refuse('missing_header', 'no Authorization header')
      // Constant time over the whole header value; the length of the token is not secret.
      if (expected && timingSafeEqual(utf8(header), expected)) {
        return { ok: true, caller: { via: 'admin_token' } }
      }
      if (!jwtOn) return refuse('bad_token', 'not the admin token (batch JWTs are not configured)')
      // Uploads stream, so there is no body to bind: verify against fresh random bytes, which no
      // `body_sha256` claim can match, so a token bound to one body is refused, not half-honoured.
      const body = crypto.getRandomValues(new Uint8Array(16))
      const request = { body, headers: req.headers, url: req.url, now }
      const outcome = await verifyJwt(BATCH_JWT, request, env)
      if (!outcome.ok) return outcome
      return { ok: true, caller: { via: 'jwt', sub: outcome.principal } }
    },
  }
}

// --- Internal helpers ---

function refuse(reason: UnauthorizedReason, why: string): BatchAuthOutcome {
  return { ok: false, error: new Unauthorized(reason, why) }
}
