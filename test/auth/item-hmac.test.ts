import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyItems } from '../../src/auth/item-hmac.ts'
import { itemHmac } from '../../src/auth/schemes.ts'
import type { VerifyOutcome } from '../../src/auth/types.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'

type Item = { data: string; sig?: string }

const scheme = itemHmac<Item>({
  secret: 'T_KEY',
  hash: 'SHA-256',
  encoding: 'base64',
  keyEncoding: 'hex',
  signedString: (i) => i.data,
  signature: (i) => i.sig,
})

// Adyen's published test vector (@adyen/api-library hmacValidator.spec.ts).
const KAT = {
  key: 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00',
  data: 'pspReference:originalReference:merchantAccount:reference:1000:EUR:CAPTURE:true',
  sig: 'xhpHvYq2u2Np0rstbZ6QjLGu7JWhvf7Iwaa6EviJSX0=',
}
const otherKey = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
const signed = (data: string, key: string): Item => ({
  data,
  sig: createHmac('sha256', Buffer.from(key, 'hex')).update(data, 'utf8').digest('base64'),
})

const verify = (items: Item[], keys: string): Promise<VerifyOutcome> =>
  verifyItems(scheme, items, createVerifyEnv({ T_KEY: keys }, globalThis.fetch, undefined))
const failure = (o: VerifyOutcome) => (o.ok ? 'ok' : `${o.error.reason}: ${o.error.why}`)

describe('auth: item-hmac', () => {
  it("verifies Adyen's published test vector", async () => {
    expect(await verify([{ data: KAT.data, sig: KAT.sig }], KAT.key)).toEqual({ ok: true })
  })

  it('accepts a lower-case hex key', async () => {
    expect(failure(await verify([{ data: KAT.data, sig: KAT.sig }], KAT.key.toLowerCase()))).toBe(
      'ok',
    )
  })

  it('requires every item to verify and names the first one that does not', async () => {
    const items = [
      signed('a', KAT.key),
      signed('b', KAT.key),
      { ...signed('c', KAT.key), data: 'changed' },
    ]
    expect(failure(await verify(items, KAT.key))).toMatch(/^bad_signature: item 2 /)
  })

  it('accepts items signed with either configured key (rotation) in one request', async () => {
    const items = [signed('a', KAT.key), signed('b', otherKey)]
    expect(failure(await verify(items, `${KAT.key},${otherKey}`))).toBe('ok')
    expect(failure(await verify(items, otherKey))).toMatch(/^bad_signature: item 0/)
  })

  it('skips a configured key that is not hex and still verifies with the valid one', async () => {
    expect(failure(await verify([signed('a', otherKey)], `not-hex,${otherKey}`))).toBe('ok')
  })

  it('refuses an item without a signature and one whose signature is not canonical base64', async () => {
    expect(failure(await verify([{ data: 'a' }], KAT.key))).toMatch(/^missing_header: item 0/)
    const unpadded = { data: KAT.data, sig: KAT.sig.replace(/=$/, '') }
    expect(failure(await verify([unpadded], KAT.key))).toMatch(/^malformed_header/)
  })

  it('refuses a truncated signature', async () => {
    const truncated = {
      data: KAT.data,
      sig: Buffer.from(KAT.sig, 'base64').subarray(0, 16).toString('base64'),
    }
    expect(failure(await verify([truncated], KAT.key))).toMatch(/^bad_signature/)
  })
})

describe('auth: item-hmac with key pairs (Braintree)', () => {
  type Signed = { payload: string; signature?: string }
  // `public|hex` pairs joined by `&`, HMAC-SHA1 keyed by SHA-1(private key), as Braintree signs.
  const pairs = (s: Signed, id?: string) =>
    s.signature
      ?.split('&')
      .map((p) => p.split('|'))
      .find(([pub]) => id === undefined || pub === id)?.[1]
  const paired = itemHmac<Signed>({
    secret: 'T_PAIRS',
    hash: 'SHA-1',
    encoding: 'hex',
    keyEncoding: 'utf8',
    keyPairs: { derive: 'SHA-1' },
    signedString: (s) => s.payload,
    signature: pairs,
  })
  const sha1Hmac = (priv: string, data: string) =>
    createHmac('sha1', createHash('sha1').update(priv).digest()).update(data).digest('hex')
  const payload = 'PG5vdGlmaWNhdGlvbj48L25vdGlmaWNhdGlvbj4=\n'
  const both: Signed = { payload, signature: `old_pub|${sha1Hmac('old_priv', payload)}&new_pub|${sha1Hmac('new_priv', payload)}` }
  const check = (s: Signed, keys: string) =>
    verifyItems(paired, [s], createVerifyEnv({ T_PAIRS: keys }, globalThis.fetch, undefined)).then(failure)

  it('verifies the signature named by the configured public key, among several pairs', async () => {
    expect(await check(both, 'new_pub:new_priv')).toBe('ok')
    expect(await check(both, 'old_pub:old_priv')).toBe('ok')
  })

  it('refuses a wrong private key, and pairs for public keys it is not configured with', async () => {
    expect(await check(both, 'new_pub:other_priv')).toMatch(/^bad_signature/)
    expect(await check(both, 'third_pub:new_priv')).toMatch(/^bad_signature/)
    // The private key alone does not verify a signature named for another public key.
    expect(await check({ payload, signature: `old_pub|${sha1Hmac('new_priv', payload)}` }, 'new_pub:new_priv')).toMatch(
      /^bad_signature/,
    )
  })

  it('skips a secret that is not `<public>:<private>` and still verifies with a valid one', async () => {
    expect(await check(both, 'no-colon,:x,new_pub:new_priv')).toBe('ok')
    expect(await check({ payload }, 'new_pub:new_priv')).toMatch(/^missing_header/)
  })
})
