/** @module HMAC carried inside each body item (Adyen's notification items); all must verify. */
import { fromBase64, fromHex, utf8, type Bytes } from './encoding.ts'
import { hmacSign, keyBytes } from './hmac-key.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import type { ItemHmacScheme, VerifyEnv, VerifyOutcome } from './types.ts'

export async function verifyItems(
  scheme: ItemHmacScheme,
  items: readonly unknown[],
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const keys = env
    .secrets(scheme.secret)
    .map((s) => keyBytes(s, scheme.keyEncoding))
    .filter((k): k is Bytes => k !== undefined)
  for (const [index, item] of items.entries()) {
    const given = scheme.signature(item)
    if (!given) return unauthorized('missing_header', `item ${index} carries no signature`)
    const decoded = scheme.encoding === 'hex' ? fromHex(given.toLowerCase()) : fromBase64(given)
    if (!decoded) return unauthorized('malformed_header', `item ${index} signature is not ${scheme.encoding}`)
    const content = utf8(scheme.signedString(item))
    let matched = false
    for (const key of keys) {
      if (timingSafeEqual(decoded, await (env.hmac ?? hmacSign)(key, scheme.hash, content))) {
        matched = true
        break
      }
    }
    if (!matched) return unauthorized('bad_signature', `item ${index} signature matches no configured key`)
  }
  return { ok: true }
}
