import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { standardWebhooks } from '../../src/auth/schemes.ts'
import { verifyStandardWebhooks } from '../../src/auth/standard-webhooks.ts'
import type { VerifyOutcome } from '../../src/auth/types.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'

const scheme = standardWebhooks({ secret: 'T_SECRET' })
const now = Date.UTC(2026, 10, 22, 12, 0, 0)
const t = now / 1000
const body = '{"type":"payment.succeeded","id":"evt_1"}'
const secretA = `whsec_${randomBytes(32).toString('base64')}`
const secretB = `whsec_${randomBytes(32).toString('base64')}`

function verify(
  headers: Record<string, string>,
  secrets: string,
  opts: { body?: string; toleranceSec?: number } = {},
): Promise<VerifyOutcome> {
  const env = createVerifyEnv({ T_SECRET: secrets }, globalThis.fetch, opts.toleranceSec)
  const req = {
    body: new TextEncoder().encode(opts.body ?? body),
    headers: new Headers(headers),
    url: 'http://x/',
    now,
  }
  return verifyStandardWebhooks(scheme, req, env)
}

/** Headers as the reference library produces them. */
const signed = (secret: string, at = t, id = 'msg_1', payload = body) => ({
  'webhook-id': id,
  'webhook-timestamp': String(at),
  'webhook-signature': new Webhook(secret).sign(id, new Date(at * 1000), payload),
})
const reason = (o: VerifyOutcome) => (o.ok ? 'ok' : o.error.reason)

describe('auth: standard-webhooks', () => {
  it('accepts what the standardwebhooks library signs, and its verify accepts the same request', async () => {
    const headers = signed(secretA, Math.floor(Date.now() / 1000))
    // The SDK checks against the real clock, so this pair runs at the real time.
    expect(new Webhook(secretA).verify(body, headers)).toEqual(JSON.parse(body))
    const env = createVerifyEnv({ T_SECRET: secretA }, globalThis.fetch, undefined)
    const req = {
      body: new TextEncoder().encode(body),
      headers: new Headers(headers),
      url: 'http://x/',
      now: Date.now(),
    }
    expect(await verifyStandardWebhooks(scheme, req, env)).toEqual({ ok: true })
  })

  it('accepts what svix signs, under svix-* header names', async () => {
    const signature = new SvixWebhook(secretA).sign('msg_svix', new Date(now), body)
    const headers = {
      'svix-id': 'msg_svix',
      'svix-timestamp': String(t),
      'svix-signature': signature,
    }
    expect(reason(await verify(headers, secretA))).toBe('ok')
  })

  it('accepts a secret given as bare base64 without the whsec_ prefix', async () => {
    expect(reason(await verify(signed(secretA), secretA.slice('whsec_'.length)))).toBe('ok')
  })

  it('accepts either configured secret (rotation) and a header listing several signatures', async () => {
    expect(reason(await verify(signed(secretB), `${secretA},${secretB}`))).toBe('ok')
    const good = signed(secretA)
    const other = signed(secretB)['webhook-signature']
    const list = `v1a,${'A'.repeat(86)}== ${other} ${good['webhook-signature']}`
    expect(reason(await verify({ ...good, 'webhook-signature': list }, secretA))).toBe('ok')
  })

  it('refuses a wrong secret, a changed body, id or timestamp', async () => {
    const headers = signed(secretA)
    expect(reason(await verify(headers, secretB))).toBe('bad_signature')
    expect(reason(await verify(headers, secretA, { body: `${body} ` }))).toBe('bad_signature')
    expect(reason(await verify({ ...headers, 'webhook-id': 'msg_2' }, secretA))).toBe(
      'bad_signature',
    )
    expect(reason(await verify({ ...headers, 'webhook-timestamp': String(t - 1) }, secretA))).toBe(
      'bad_signature',
    )
  })

  it('refuses timestamps more than 300 s old or ahead, and accepts them just inside', async () => {
    expect(reason(await verify(signed(secretA, t - 301), secretA))).toBe('stale_timestamp')
    expect(reason(await verify(signed(secretA, t + 301), secretA))).toBe('future_timestamp')
    expect(reason(await verify(signed(secretA, t - 299), secretA))).toBe('ok')
    expect(reason(await verify(signed(secretA, t + 299), secretA))).toBe('ok')
  })

  it('uses the per-provider tolerance when one is configured', async () => {
    expect(reason(await verify(signed(secretA, t - 600), secretA, { toleranceSec: 900 }))).toBe(
      'ok',
    )
    expect(reason(await verify(signed(secretA, t - 31), secretA, { toleranceSec: 30 }))).toBe(
      'stale_timestamp',
    )
  })

  it('does not reveal the tolerance check to a forged signature', async () => {
    expect(reason(await verify(signed(secretB, t - 3600), secretA))).toBe('bad_signature')
  })

  it('refuses missing headers, a non-numeric timestamp, no v1 entry and non-canonical base64', async () => {
    const headers = signed(secretA)
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const without = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name))
      expect(reason(await verify(without, secretA))).toBe('missing_header')
    }
    expect(reason(await verify({ ...headers, 'webhook-timestamp': '1.5e9' }, secretA))).toBe(
      'malformed_header',
    )
    const v2 = headers['webhook-signature'].replace('v1,', 'v2,')
    expect(reason(await verify({ ...headers, 'webhook-signature': v2 }, secretA))).toBe(
      'malformed_header',
    )
    const unpadded = headers['webhook-signature'].replace(/=+$/, '')
    expect(reason(await verify({ ...headers, 'webhook-signature': unpadded }, secretA))).toBe(
      'malformed_header',
    )
  })
})

describe("auth: standard webhooks keyed by the secret's own bytes (keyEncoding utf8, Polar)", () => {
  const raw = standardWebhooks({ secret: 'T_SECRET', keyEncoding: 'utf8' })
  const check = (headers: Record<string, string>, secret: string, s = raw) =>
    verifyStandardWebhooks(
      s,
      { body: new TextEncoder().encode(body), headers: new Headers(headers), url: 'http://x/', now },
      createVerifyEnv({ T_SECRET: secret }, globalThis.fetch, undefined),
    )
  const polarSigned = (secret: string) => signed(Buffer.from(secret, 'utf8').toString('base64'))

  it('accepts what the reference library signs with base64(secret), and the base64 default refuses it', async () => {
    const secret = 'polar_whs_abc123'
    expect((await check(polarSigned(secret), secret)).ok).toBe(true)
    expect((await check(polarSigned(secret), secret, scheme)).ok).toBe(false)
    expect((await check(polarSigned('polar_whs_other'), secret)).ok).toBe(false)
  })
})
