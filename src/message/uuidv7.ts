/** @module UUIDv7 (RFC 9562): 48-bit Unix ms timestamp + random bits, sortable by time. */
import { randomBytes } from './random-pool.ts'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function uuidv7(nowMs: number): string {
  const bytes = new Uint8Array(16)
  bytes.set(randomBytes(10), 6)
  let ms = Math.floor(nowMs)
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f) // version 7
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f) // variant 10
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-'
    out += HEX[bytes[i] ?? 0]
  }
  return out
}
