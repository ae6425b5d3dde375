/** @module HTTP Basic credentials, compared in constant time against every configured pair. */
import { utf8, type Bytes } from './encoding.ts'
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
  // Compare the decoded bytes with the UTF-8 of the setting: atob yields one char per byte, so
  // re-encoding its output as UTF-8 would garble any non-ASCII user name or password.
  let given: Bytes | undefined
  try {
    given = match?.[1] ? Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)) : undefined
  } catch {
    given = undefined
  }
  if (given === undefined)
    return unauthorized('malformed_header', 'Authorization is not Basic credentials')
  for (const expected of env.secrets(scheme.credentials)) {
    if (timingSafeEqual(given, utf8(expected))) {
      const colon = expected.indexOf(':')
      return { ok: true, principal: colon < 0 ? expected : expected.slice(0, colon) }
    }
  }
  return unauthorized('bad_credentials', 'Basic credentials do not match')
}
