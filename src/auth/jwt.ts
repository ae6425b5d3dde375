/** @module JWT bearer tokens verified with jose: JWKS URL or PEM key, issuer, audience, algs, max age. */
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  importSPKI,
  jwtVerify,
  errors,
} from 'jose'
import type { JWTVerifyGetKey, CryptoKey as JoseKey } from 'jose'
import { toHex, toBase64, utf8, type Bytes } from './encoding.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import type { JwtScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'

// One remote key set per URL per isolate: jose caches keys and rate-limits refetches itself.
const jwksCache = new Map<string, JWTVerifyGetKey>()
const pemCache = new Map<string, Promise<JoseKey>>()

export async function verifyJwt(
  scheme: JwtScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const header = req.headers.get('authorization')
  const token = header && /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1]
  if (!token) return unauthorized('missing_header', 'no Bearer token')

  let alg: string | undefined
  try {
    alg = decodeProtectedHeader(token).alg
  } catch {
    return unauthorized('bad_token', 'token header is not decodable')
  }
  if (!alg || !scheme.algorithms.includes(alg))
    return unauthorized('bad_token', `alg ${alg} not allowed`)

  // Without both, a token minted by the same issuer for another service (a shared IdP's JWKS)
  // would pass: fail closed and say which setting is missing.
  const issuer = env.setting(scheme.issuer)
  const audience = env.setting(scheme.audience)
  if (!issuer || !audience) {
    return unauthorized(
      'bad_token',
      `${issuer ? scheme.audience : scheme.issuer} is not set; tokens are refused`,
    )
  }
  const maxAge = env.toleranceSec ?? scheme.maxAgeSec
  const options = {
    algorithms: [...scheme.algorithms],
    issuer,
    audience,
    // A tolerance of 0 disables the age check, as it disables timestamp checks elsewhere.
    maxTokenAge: maxAge > 0 ? `${maxAge}s` : undefined,
    currentDate: new Date(req.now),
    requiredClaims: ['iat'],
  }
  const jwksUrl = env.setting(scheme.jwksUrl)
  const keys = jwksUrl
    ? [jwks(jwksUrl, env.fetch)]
    : env.secrets(scheme.publicKey).map((pem) => pemKey(pem, alg))
  for (const key of keys) {
    try {
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, await key, options)
      // A token may bind the exact body (`body_sha256`, hex or base64); without it the token
      // authenticates the sender only, and replay is bounded by the max age and dedupe.
      const bound = payload['body_sha256']
      if (
        bound !== undefined &&
        (typeof bound !== 'string' || !(await bodyMatches(bound, req.body)))
      ) {
        return unauthorized('bad_token', 'body does not match the token body_sha256 claim')
      }
      return { ok: true, principal: typeof payload.sub === 'string' ? payload.sub : undefined }
    } catch (err) {
      if (err instanceof errors.JWTExpired)
        return unauthorized('stale_timestamp', 'token expired or too old')
      if (err instanceof errors.JWTClaimValidationFailed) {
        if (err.claim === 'iat' && err.reason === 'check_failed') {
          return unauthorized('future_timestamp', 'token issued in the future')
        }
        return unauthorized('bad_token', `claim ${err.claim} failed: ${err.reason}`)
      }
      // Otherwise (bad signature, unknown kid, unreachable JWKS) try the next key, if any.
    }
  }
  return unauthorized('bad_token', 'token signature does not verify with any configured key')
}

// --- Internal helpers ---

function jwks(url: string, fetchImpl: typeof fetch): JWTVerifyGetKey {
  let set = jwksCache.get(url)
  if (!set) {
    set = createRemoteJWKSet(new URL(url), {
      [customFetch]: (input, init) => fetchImpl(input, init),
    })
    jwksCache.set(url, set)
  }
  return set
}

function pemKey(pem: string, alg: string): Promise<JoseKey> {
  const id = `${alg}:${pem}`
  let key = pemCache.get(id)
  if (!key) {
    key = importSPKI(pem.replace(/\\n/g, '\n'), alg)
    pemCache.set(id, key)
  }
  return key
}

async function bodyMatches(claim: string, body: Bytes): Promise<boolean> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  const b64 = toBase64(digest)
  const b64url = b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  // Constant time like every other comparison on the auth path (the forms differ only in length).
  const given = utf8(claim)
  return [toHex(digest), b64, b64url].some((form) => timingSafeEqual(given, utf8(form)))
}
