/** @module HTTP Basic credentials, compared in constant time against every configured pair. */
import { utf8 } from './encoding.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import type { BasicScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'

export async function verifyBasic(
  scheme: BasicScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const header = req.headers.get('authorization')
  if (!header) return unauthorized('missing_header', 'no Authorization header')
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim())
  let given: string | undefined
  try {
    given = match?.[1] ? atob(match[1]) : undefined
  } catch {
    given = undefined
  }
  if (given === undefined) return unauthorized('malformed_header', 'Authorization is not Basic credentials')
  const givenBytes = utf8(given)
  for (const expected of env.secrets(scheme.credentials)) {
    if (timingSafeEqual(givenBytes, utf8(expected))) {
      return { ok: true, principal: expected.slice(0, expected.indexOf(':')) }
    }
  }
  return unauthorized('bad_credentials', 'Basic credentials do not match')
}
