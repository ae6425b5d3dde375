/** @module IEEE CRC-32 (zlib, Java's java.util.zip.CRC32) of raw bytes, as PayPal signs it. */
import type { Bytes } from './encoding.ts'

// Reflected polynomial 0xEDB88320, one 256-entry table built once per isolate.
const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** The checksum as an unsigned 32-bit number, like Java's `CRC32.getValue()`. */
export function crc32(bytes: Bytes): number {
  let crc = 0xffffffff
  for (const b of bytes) crc = (TABLE[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
