import { describe, expect, it } from 'vitest'
import { hmacSign } from '../../../src/auth/hmac-key.ts'
import { nodeHmac } from '../../../src/runtime/server/node-hmac.ts'

describe('runtime/server: node:crypto HMAC', () => {
  it('gives the same bytes as WebCrypto for every hash the schemes use', async () => {
    const key = new TextEncoder().encode('whsec_key_material')
    for (const size of [0, 1, 64, 1500, 70_000]) {
      const data = new Uint8Array(size).map((_, i) => (i * 31) % 256)
      for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
        expect(await nodeHmac(key, hash, data)).toEqual(await hmacSign(key, hash, data))
      }
    }
  })

  it('signs content given in parts (a prefix, then the body) as the parts joined', async () => {
    const key = new TextEncoder().encode('whsec_key_material')
    const enc = (s: string) => new TextEncoder().encode(s)
    const whole = enc('1700000000.{"id":"evt_1"}')
    const parts = [enc('1700000000'), enc('.'), enc(''), enc('{"id":"evt_1"}')]
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
      const expected = await hmacSign(key, hash, whole)
      expect(await nodeHmac(key, hash, parts)).toEqual(expected)
      expect(await hmacSign(key, hash, parts)).toEqual(expected)
      expect(await nodeHmac(key, hash, parts.slice(1))).not.toEqual(expected)
    }
  })
})
