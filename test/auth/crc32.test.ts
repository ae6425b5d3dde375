import { crc32 as zlibCrc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../../src/auth/crc32.ts'
import { utf8 } from '../../src/auth/encoding.ts'

describe('auth: crc32', () => {
  it('matches the IEEE check value for "123456789" (what PayPal puts in the signed string)', () => {
    expect(crc32(utf8('123456789'))).toBe(3421780262)
  })

  it('is 0 for no bytes', () => {
    expect(crc32(new Uint8Array(0))).toBe(0)
  })

  it('stays unsigned where the top bit is set (Java CRC32.getValue(), not a signed int)', () => {
    // "a" → 0xE8B7BE43: a signed 32-bit reading would be negative.
    expect(crc32(utf8('a'))).toBe(0xe8b7be43)
  })

  it('agrees with zlib over every byte value and a large body', () => {
    const all = new Uint8Array(256).map((_, i) => i)
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 0xff)
    for (const bytes of [all, big]) expect(crc32(bytes)).toBe(zlibCrc32(bytes))
  })
})
