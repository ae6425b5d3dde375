import { createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { verifyHmac } from '../../src/auth/hmac.ts'
import { hmac } from '../../src/auth/schemes.ts'
import type { HmacScheme, VerifyOutcome } from '../../src/auth/types.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'

const now = Date.UTC(2026, 10, 22, 12, 0, 0)
const t = now / 1000
const body = '{"id":"evt_1","amount":100}'

function verify(
  scheme: HmacScheme,
  headers: Record<string, string>,
  settings: Record<string, string>,
  opts: { body?: string; url?: string; toleranceSec?: number } = {},
): Promise<VerifyOutcome> {
  const env = createVerifyEnv(settings, globalThis.fetch, opts.toleranceSec)
  const req = {
    body: new TextEncoder().encode(opts.body ?? body),
    headers: new Headers(headers),
    url: opts.url ?? 'http://gateway.internal/webhooks/v1/x/events',
    now,
  }
  return verifyHmac(scheme, req, env)
}

const reason = (o: VerifyOutcome) => (o.ok ? 'ok' : o.error.reason)
const mac = (alg: string, key: string | Buffer, data: string, enc: 'hex' | 'base64') =>
  createHmac(alg, key).update(data, 'utf8').digest(enc)

describe('auth: hmac (bare and prefixed)', () => {
  const bare = hmac({ secret: 'T_SECRET', header: 'x-signature' })
  const github = hmac({ secret: 'T_SECRET', header: 'x-hub-signature-256', prefix: 'sha256=' })

  it("verifies GitHub's documented test vector (sha256= prefix, hex)", async () => {
    const kat = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    const settings = { T_SECRET: "It's a Secret to Everybody" }
    expect(
      reason(
        await verify(github, { 'x-hub-signature-256': kat }, settings, { body: 'Hello, World!' }),
      ),
    ).toBe('ok')
    expect(
      reason(
        await verify(bare, { 'x-signature': kat.slice(7) }, settings, { body: 'Hello, World!' }),
      ),
    ).toBe('ok')
  })

  it('refuses a prefixed header without its prefix', async () => {
    const sig = mac('sha256', 's', body, 'hex')
    expect(reason(await verify(github, { 'x-hub-signature-256': sig }, { T_SECRET: 's' }))).toBe(
      'malformed_header',
    )
  })

  it('accepts upper-case hex and refuses a changed body, a wrong key and a truncated signature', async () => {
    const sig = mac('sha256', 's', body, 'hex')
    expect(
      reason(await verify(bare, { 'x-signature': sig.toUpperCase() }, { T_SECRET: 's' })),
    ).toBe('ok')
    expect(
      reason(await verify(bare, { 'x-signature': sig }, { T_SECRET: 's' }, { body: `${body}\n` })),
    ).toBe('bad_signature')
    expect(reason(await verify(bare, { 'x-signature': sig }, { T_SECRET: 'other' }))).toBe(
      'bad_signature',
    )
    expect(reason(await verify(bare, { 'x-signature': sig.slice(0, 32) }, { T_SECRET: 's' }))).toBe(
      'bad_signature',
    )
  })

  it('accepts any of several comma-separated secrets (rotation)', async () => {
    const sig = mac('sha256', 'new', body, 'hex')
    expect(reason(await verify(bare, { 'x-signature': sig }, { T_SECRET: 'old, new' }))).toBe('ok')
  })

  it('answers missing_header without the header and malformed_header for a non-hex value', async () => {
    expect(reason(await verify(bare, {}, { T_SECRET: 's' }))).toBe('missing_header')
    expect(reason(await verify(bare, { 'x-signature': 'zz' }, { T_SECRET: 's' }))).toBe(
      'malformed_header',
    )
  })

  it('refuses a hex signature with any one character outside 0-9, a-f, A-F', async () => {
    const sig = mac('sha256', 's', body, 'hex')
    // Neighbours of the hex ranges in ASCII, and characters whose case-folded code is a hex letter's.
    for (const c of ['/', ':', '@', 'G', '`', 'g', ' ', '\u00c1', '\u00e1']) {
      for (const at of [0, 1, 63]) {
        const bad = sig.slice(0, at) + c + sig.slice(at + 1)
        expect(reason(await verify(bare, { 'x-signature': bad }, { T_SECRET: 's' }))).not.toBe('ok')
      }
    }
    const hexKey = hmac({ secret: 'T_SECRET', header: 'x-sig', keyEncoding: 'hex' })
    // 'G0' is no hex key: no configured key, so nothing verifies.
    expect(reason(await verify(hexKey, { 'x-sig': mac('sha256', Buffer.from([0x00]), body, 'hex') }, { T_SECRET: 'G0' }))).toBe('bad_signature')
    expect(reason(await verify(hexKey, { 'x-sig': mac('sha256', Buffer.from([0xab, 0xcd]), body, 'hex') }, { T_SECRET: 'AbcD' }))).toBe('ok')
  })

  it('supports base64 output, SHA-1 and SHA-512, and hex or base64 keys', async () => {
    const b64 = hmac({ secret: 'T_SECRET', header: 'x-sig', encoding: 'base64' })
    const sha1 = hmac({ secret: 'T_SECRET', header: 'x-sig', hash: 'SHA-1' })
    const sha512 = hmac({ secret: 'T_SECRET', header: 'x-sig', hash: 'SHA-512' })
    const hexKey = hmac({ secret: 'T_SECRET', header: 'x-sig', keyEncoding: 'hex' })
    const b64Key = hmac({ secret: 'T_SECRET', header: 'x-sig', keyEncoding: 'base64' })
    const key = Buffer.from('00ff10ee20dd30cc', 'hex')
    const s = { T_SECRET: 'k' }
    expect(reason(await verify(b64, { 'x-sig': mac('sha256', 'k', body, 'base64') }, s))).toBe('ok')
    expect(reason(await verify(sha1, { 'x-sig': mac('sha1', 'k', body, 'hex') }, s))).toBe('ok')
    expect(reason(await verify(sha512, { 'x-sig': mac('sha512', 'k', body, 'hex') }, s))).toBe('ok')
    const raw = mac('sha256', key, body, 'hex')
    expect(reason(await verify(hexKey, { 'x-sig': raw }, { T_SECRET: key.toString('hex') }))).toBe(
      'ok',
    )
    expect(
      reason(await verify(b64Key, { 'x-sig': raw }, { T_SECRET: key.toString('base64') })),
    ).toBe('ok')
    // A SHA-256 signature does not pass where SHA-1 is configured.
    expect(reason(await verify(sha1, { 'x-sig': mac('sha256', 'k', body, 'hex') }, s))).toBe(
      'bad_signature',
    )
  })
})

describe('auth: hmac (signed templates)', () => {
  const stripeLike = (direction: 'past' | 'both') =>
    hmac({
      secret: 'T_SECRET',
      header: 'stripe-signature',
      pairs: { timestamp: 't', signature: 'v1', separator: ',' },
      signed: '{timestamp}.{body}',
      toleranceSec: 300,
      toleranceDirection: direction,
    })
  const secret = 'whsec_test_secret'
  const header = (at: number, s = secret) => ({
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: s,
      timestamp: at,
    }),
  })

  it("accepts Stripe's own signature header and refuses it for another body", async () => {
    expect(reason(await verify(stripeLike('past'), header(t), { T_SECRET: secret }))).toBe('ok')
    expect(
      reason(await verify(stripeLike('past'), header(t), { T_SECRET: secret }, { body: '{}' })),
    ).toBe('bad_signature')
  })

  it("'past' refuses only old timestamps; 'both' refuses future ones too", async () => {
    expect(reason(await verify(stripeLike('past'), header(t - 301), { T_SECRET: secret }))).toBe(
      'stale_timestamp',
    )
    expect(reason(await verify(stripeLike('past'), header(t + 3600), { T_SECRET: secret }))).toBe(
      'ok',
    )
    expect(reason(await verify(stripeLike('both'), header(t + 301), { T_SECRET: secret }))).toBe(
      'future_timestamp',
    )
    expect(reason(await verify(stripeLike('both'), header(t + 299), { T_SECRET: secret }))).toBe(
      'ok',
    )
  })

  it('uses the per-provider tolerance, where 0 switches the check off', async () => {
    const old = header(t - 86_400)
    expect(
      reason(await verify(stripeLike('past'), old, { T_SECRET: secret }, { toleranceSec: 0 })),
    ).toBe('ok')
    expect(
      reason(
        await verify(
          stripeLike('past'),
          header(t - 61),
          { T_SECRET: secret },
          { toleranceSec: 60 },
        ),
      ),
    ).toBe('stale_timestamp')
  })

  it('accepts a header with one v1 per secret when any one matches', async () => {
    const good = header(t)['stripe-signature']
    const list = `${good},v1=${'0'.repeat(64)}`
    expect(
      reason(await verify(stripeLike('past'), { 'stripe-signature': list }, { T_SECRET: secret })),
    ).toBe('ok')
  })

  it('refuses a pairs header without a numeric timestamp', async () => {
    const sig = mac('sha256', secret, `${t}.${body}`, 'hex')
    for (const value of [`v1=${sig}`, `t=soon,v1=${sig}`]) {
      expect(
        reason(
          await verify(stripeLike('past'), { 'stripe-signature': value }, { T_SECRET: secret }),
        ),
      ).toBe('malformed_header')
    }
  })

  it('signs the configured public URL for {url}, falling back to the request URL', async () => {
    const square = hmac({
      secret: 'T_SECRET',
      header: 'x-square-hmacsha256-signature',
      encoding: 'base64',
      signed: '{url}{body}',
      urlFrom: 'T_URL',
    })
    const publicUrl = 'https://pay.example.com/webhooks/v1/square/events?x=1'
    const sig = mac('sha256', 'k', publicUrl + body, 'base64')
    const h = { 'x-square-hmacsha256-signature': sig }
    expect(reason(await verify(square, h, { T_SECRET: 'k', T_URL: publicUrl }))).toBe('ok')
    expect(reason(await verify(square, h, { T_SECRET: 'k' }))).toBe('bad_signature')
    expect(reason(await verify(square, h, { T_SECRET: 'k' }, { url: publicUrl }))).toBe('ok')
  })
})

describe('auth: hmac (a list of signature entries, Worldpay style)', () => {
  const listed = hmac({
    secret: 'T_SECRET',
    header: 'event-signature',
    entries: { separator: ',', pattern: /^\d+\/SHA256\/([0-9a-f]{64})$/ },
  })
  const sig = (key: string) => mac('sha256', key, body, 'hex')

  it('accepts when any entry matches any configured secret, whatever the order', async () => {
    const header = `1/SHA256/${sig('old')},2/SHA256/${sig('new')}`
    expect(reason(await verify(listed, { 'event-signature': header }, { T_SECRET: 'new' }))).toBe('ok')
    expect(reason(await verify(listed, { 'event-signature': header }, { T_SECRET: 'old' }))).toBe('ok')
    expect(reason(await verify(listed, { 'event-signature': header }, { T_SECRET: 'other' }))).toBe('bad_signature')
  })

  it('answers malformed_header when no entry has the expected form', async () => {
    const header = `1/SHA1/${sig('k')}`
    expect(reason(await verify(listed, { 'event-signature': header }, { T_SECRET: 'k' }))).toBe('malformed_header')
  })
})
