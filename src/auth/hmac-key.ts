/** @module WebCrypto HMAC keys, imported once per secret and cached per isolate. */
import type { HashName, KeyEncoding } from './types.ts'
import { fromBase64, fromHex, utf8, type Bytes } from './encoding.ts'

const cache = new Map<string, Promise<CryptoKey>>()
const CACHE_LIMIT = 256

export function keyBytes(secret: string, encoding: KeyEncoding): Bytes | undefined {
  if (encoding === 'utf8') return utf8(secret)
  return encoding === 'hex' ? fromHex(secret) : fromBase64(secret)
}

export function hmacKey(raw: Bytes, hash: HashName): Promise<CryptoKey> {
  const id = `${hash}:${raw.join(',')}`
  let key = cache.get(id)
  if (!key) {
    if (cache.size >= CACHE_LIMIT) cache.clear()
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign'])
    cache.set(id, key)
  }
  return key
}

export async function hmacSign(raw: Bytes, hash: HashName, data: Bytes): Promise<Bytes> {
  const key = await hmacKey(raw, hash)
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data))
}
