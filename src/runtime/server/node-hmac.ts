/** @module HMAC through node:crypto: synchronous, no thread-pool hop (WebCrypto's is 5-10x slower here). */
import { createHmac } from 'node:crypto'
import type { HmacFn } from '../../auth/types.ts'

const NODE_NAMES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' } as const

export const nodeHmac: HmacFn = async (key, hash, data) => {
  const mac = createHmac(NODE_NAMES[hash], key)
  if (data instanceof Uint8Array) mac.update(data)
  else for (const part of data) mac.update(part)
  const digest = mac.digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength) as Uint8Array<ArrayBuffer>
}
