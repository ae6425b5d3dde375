/** @module WebCrypto HMAC keys, imported once per secret and cached per isolate. */
import type { HashName, KeyEncoding } from './types.ts'
import { concatBytes, fromBase64, fromHex, utf8, type Bytes } from './encoding.ts'

const CACHE_LIMIT = 256

// A secret's bytes, decoded once per secret and encoding: every webhook asks again, and the same
// Bytes object each time lets hmacKey find its imported key by identity. Callers never write to them.
const decoded = new Map<string, Bytes | undefined>()
const decodedBytes = new WeakSet<Bytes>()

export function keyBytes(secret: string, encoding: KeyEncoding): Bytes | undefined {
  const id = `${encoding}:${secret}`
  if (decoded.has(id)) return decoded.get(id)
  const bytes = encoding === 'utf8' ? utf8(secret) : encoding === 'hex' ? fromHex(secret) : fromBase64(secret)
  if (decoded.size >= CACHE_LIMIT) decoded.clear()
  decoded.set(id, bytes)
  if (bytes) decodedBytes.add(bytes)
  return bytes
}

// Imported keys by the key bytes' identity (keyBytes' answers), then by their value for bytes
// made elsewhere: a value id spells out every byte, which per request cost more than the HMAC.
const byIdentity = new WeakMap<Bytes, Partial<Record<HashName, Promise<CryptoKey>>>>()
const byValue = new Map<string, Promise<CryptoKey>>()

export function hmacKey(raw: Bytes, hash: HashName): Promise<CryptoKey> {
  let forBytes = byIdentity.get(raw)
  const known = forBytes?.[hash]
  if (known) return known
  const id = `${hash}:${raw.join(',')}`
  let key = byValue.get(id)
  if (!key) {
    if (byValue.size >= CACHE_LIMIT) byValue.clear()
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign'])
    byValue.set(id, key)
  }
  // Only the decoded secrets are worth remembering by identity (a caller's fresh array never recurs).
  if (decodedBytes.has(raw)) {
    if (!forBytes) byIdentity.set(raw, (forBytes = {}))
    forBytes[hash] = key
  }
  return key
}

export async function hmacSign(raw: Bytes, hash: HashName, data: Bytes | readonly Bytes[]): Promise<Bytes> {
  const key = await hmacKey(raw, hash)
  const content = data instanceof Uint8Array ? data : concatBytes(...data)
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, content))
}
