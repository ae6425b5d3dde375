/** @module HMAC carried inside each body item (Adyen's notification items, Braintree's payload); all must verify. */
import { fromBase64, fromHex, utf8, type Bytes } from './encoding.ts'
import { hmacSign, keyBytes } from './hmac-key.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import type { HashName, ItemHmacScheme, VerifyEnv, VerifyOutcome } from './types.ts'

/** A configured key: its public id (key pairs only) and the HMAC key bytes. */
type ItemKey = { id?: string; key: Bytes }

export async function verifyItems(
  scheme: ItemHmacScheme,
  items: readonly unknown[],
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const keys = await configuredKeys(scheme, env.secrets(scheme.secret))
  for (const [index, item] of items.entries()) {
    if (!scheme.signature(item)) return unauthorized('missing_header', `item ${index} carries no signature`)
    const content = utf8(scheme.signedString(item))
    let matched = false
    for (const { id, key } of keys) {
      // Without key pairs every key is tried on the one signature; with them, each key only on the
      // signature its pair's public id names.
      const given = scheme.signature(item, id)
      if (!given) continue
      const decoded = scheme.encoding === 'hex' ? fromHex(given) : fromBase64(given)
      if (!decoded) return unauthorized('malformed_header', `item ${index} signature is not ${scheme.encoding}`)
      if (timingSafeEqual(decoded, await (env.hmac ?? hmacSign)(key, scheme.hash, content))) {
        matched = true
        break
      }
    }
    if (!matched) return unauthorized('bad_signature', `item ${index} signature matches no configured key`)
  }
  return { ok: true }
}

// --- Internal helpers ---

async function configuredKeys(scheme: ItemHmacScheme, secrets: readonly string[]): Promise<ItemKey[]> {
  const keys: ItemKey[] = []
  for (const secret of secrets) {
    if (!scheme.keyPairs) {
      const key = keyBytes(secret, scheme.keyEncoding)
      if (key) keys.push({ key })
      continue
    }
    const colon = secret.indexOf(':')
    if (colon <= 0 || colon === secret.length - 1) continue // not `<public id>:<private key>`
    const id = secret.slice(0, colon)
    const priv = secret.slice(colon + 1)
    const { derive } = scheme.keyPairs
    const key = derive ? await derivedKey(derive, priv) : keyBytes(priv, scheme.keyEncoding)
    if (key) keys.push({ id, key })
  }
  return keys
}

// Digests of private keys, computed once per key per isolate (a request should not pay for one).
const derived = new Map<string, Promise<Bytes>>()
const DERIVED_LIMIT = 256

function derivedKey(hash: HashName, secret: string): Promise<Bytes> {
  const id = `${hash}:${secret}`
  let key = derived.get(id)
  if (!key) {
    if (derived.size >= DERIVED_LIMIT) derived.clear()
    key = crypto.subtle.digest(hash, utf8(secret)).then((d) => new Uint8Array(d))
    derived.set(id, key)
  }
  return key
}
