import { createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createLogger } from '../../src/observability/log.ts'
import { luhn } from '../../src/observability/redact.ts'
import { defineProvider, hmac } from '../../src/provider/define.ts'
import type { AnyProvider } from '../../src/provider/types.ts'
import { createTestGateway, fixture } from '../helpers/app.ts'

const STRIPE_SECRET = 'whsec_redaction_test_0123456789'
const SHOP_SECRET = 'shop-hmac-secret-9f8e7d6c5b4a'
// Card-like numbers that pass Luhn, written the ways people write them.
const PANS = [
  '4111111111111111',
  '4242 4242 4242 4242',
  '5555-5555-5555-4444',
  '378282246310005',
  '6011000990139424',
]
const BEARER = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl'

/** A shop's own producer whose mapping error quotes its input, as careless code does. */
const shop = defineProvider({
  id: 'shop',
  name: 'Shop',
  auth: {
    mode: 'any',
    schemes: [
      hmac({ secret: 'SHOP_SECRET', header: 'x-signature', hash: 'SHA-256', encoding: 'hex' }),
    ],
  },
  body: 'json',
  envelope: z.object({ id: z.string(), card: z.string() }),
  eventType: () => 'payment',
  idempotencyKey: (e: { id: string }) => e.id,
  isTransaction: () => true,
  transaction: z.object({ id: z.string(), card: z.string() }),
  map: (t: { card: string }) => {
    throw new Error(`cannot map payment for card ${t.card} (auth ${SHOP_SECRET})`)
  },
  rateLimit: { ratePerSec: 1000, burst: 1000 },
}) as AnyProvider

function captured(secrets: string[] = []) {
  const lines: string[] = []
  const log = createLogger(
    'debug',
    (l) => lines.push(l),
    () => 0,
    { secrets },
  )
  return { log, lines, all: () => lines.join('\n') }
}

describe('observability: no secret, signature, credential or card number reaches a log line', () => {
  it('redacts by field name at any depth, Headers included', () => {
    const { log, all } = captured()
    log.warn('careless', {
      authorization: `Bearer ${BEARER}`,
      headers: new Headers({
        authorization: 'Basic dXNlcjpodW50ZXIy',
        'stripe-signature': 't=1,v1=' + 'ab'.repeat(32),
      }),
      nested: {
        deeper: {
          password: 'hunter2hunter2',
          apiKey: 'k-123456789',
          client_secret: 'cs_1234567890',
        },
      },
      list: [{ token: 'tok_abcdef123456' }],
    })
    const out = all()
    for (const leaked of [
      BEARER,
      'dXNlcjpodW50ZXIy',
      'ab'.repeat(32),
      'hunter2hunter2',
      'k-123456789',
      'cs_1234567890',
      'tok_abcdef123456',
    ]) {
      expect(out).not.toContain(leaked)
    }
    expect(out).toContain('[redacted]')
  })

  it('redacts credentials, signatures, secret formats and Luhn-valid card numbers inside free text', () => {
    const { log, all } = captured()
    const sigHex = 'c0ffee'.repeat(10) + 'abcd'
    const sigB64 = 'K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='
    log.error('oops', {
      detail: `header was t=1700000000,v1=${sigHex} and webhook-signature v1,${sigB64}`,
      msg2: `Authorization: Bearer ${BEARER}; Basic YWxhZGRpbjpvcGVuc2VzYW1l; key whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
      sk: 'using sk_live_51H8abcdefGHIJKLmnopQRST today',
      cards: PANS.map((p) => `card ${p} declined`).join(', '),
      error: new Error(`charge failed for ${PANS[0]}`),
    })
    const out = all()
    for (const leaked of [
      sigHex,
      sigB64,
      BEARER,
      'YWxhZGRpbjpvcGVuc2VzYW1l',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'sk_live_51H8abcdefGHIJKLmnopQRST',
      ...PANS,
    ]) {
      expect(out).not.toContain(leaked)
    }
    expect(out.match(/\[redacted-pan\]/g)?.length).toBe(PANS.length + 1)
  })

  it('finds a secret format or a card number in a single-word value, whatever plain text surrounds it', () => {
    // Values without spaces (paths, ids) are screened by a quick scan before the full pattern;
    // each token here is written into seeded random unspaced text, ASCII and not.
    const tokens = [
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'sk_live_51H8abcdefGHIJKL',
      'rk_test_51H8abcdefGHIJKL',
      '4111111111111111',
      '5555-5555-5555-4444',
      '378282246310005',
      '4222222222222',
      `v1=${'c0ffee'.repeat(6)}`,
      'sha256=K5oZfzN95Z9UVu1EsfQmfVNQhnk',
    ]
    const plain = 'abcxyz_-./:0123456789'
    let seed = 17
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const word = () => Array.from({ length: rand(12) }, () => plain[rand(plain.length)]).join('')
    const { log, lines } = captured()
    for (let i = 0; i < 400; i++) {
      const token = tokens[i % tokens.length] as string
      const wide = i % 5 === 0 ? 'é' : ''
      log.info('m', { path: `/${wide}${word()}/${token}/${word()}` })
      expect(lines.at(-1)).not.toContain(token)
    }
  })

  it('keeps what is not sensitive: ids, trace ids, digit runs that fail Luhn or are not 13–19 long', () => {
    const { log, lines } = captured()
    const fields = {
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      event_id: '01890a5d-ac96-774b-bcce-b302099a8057',
      order: '4111111111111112', // fails Luhn
      phone: '+1 415 555 0100',
      long_id: '12345678901234567890123', // 23 digits: an id, not a card
      at: 1732276800000,
    }
    log.info('fine', fields)
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject(fields)
    expect(luhn('4111111111111111')).toBe(true)
    expect(luhn('4111111111111112')).toBe(false)
  })

  it('scrubs configured secret values wherever they appear', () => {
    const { log, all } = captured(['s3cr3t-value-from-settings', 'short'])
    log.info('ctx', {
      note: 'the key s3cr3t-value-from-settings leaked into a message',
      word: 'short',
    })
    expect(all()).not.toContain('s3cr3t-value-from-settings')
    expect(all()).toContain('short') // below 8 characters: would redact ordinary words
  })

  it('end to end: a gateway fed secrets, signatures, Authorization headers and card numbers logs none of them', async () => {
    const g = createTestGateway(
      { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, SHOP_SECRET },
      { providers: [(await import('../../providers/stripe.ts')).default as AnyProvider, shop] },
    )
    const stripeBody = (await fixture('stripe.json')).replace(
      '"description": null',
      `"description": "card ${PANS[0]}"`,
    )
    const at = Math.floor(g.clock.now / 1000)
    const good = Stripe.webhooks.generateTestHeaderString({
      payload: stripeBody,
      secret: STRIPE_SECRET,
      timestamp: at,
    })
    const forged = `t=${at},v1=${'f'.repeat(64)}`
    const stale = Stripe.webhooks.generateTestHeaderString({
      payload: stripeBody,
      secret: STRIPE_SECRET,
      timestamp: at - 3600,
    })
    const sent: string[] = [good, forged, stale, BEARER]

    expect(
      (
        await g.post('stripe', stripeBody, {
          'stripe-signature': good,
          authorization: `Bearer ${BEARER}`,
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await g.post('stripe', stripeBody, {
          'stripe-signature': forged,
          authorization: `Bearer ${BEARER}`,
        })
      ).status,
    ).toBe(401)
    expect((await g.post('stripe', stripeBody, { 'stripe-signature': stale })).status).toBe(401)
    expect(
      (await g.post('stripe', `{"card": "${PANS[1]}"`, { 'stripe-signature': good })).status,
    ).toBe(401)

    // A DLQ reason quoting the card and the secret (the shop's mapping error).
    for (const pan of PANS) {
      const body = JSON.stringify({ id: `evt_${pan.slice(-4)}`, card: pan })
      const sig = createHmac('sha256', SHOP_SECRET).update(body).digest('hex')
      sent.push(sig)
      const res = await g.post('shop', body, {
        'x-signature': sig,
        authorization: `Basic ${btoa(`u:${SHOP_SECRET}`)}`,
      })
      expect(await res.json()).toMatchObject({ dlq: true })
    }
    expect(g.logs.some((l) => l['msg'] === 'event sent to the DLQ')).toBe(true)

    const out = JSON.stringify(g.logs)
    for (const leaked of [STRIPE_SECRET, SHOP_SECRET, ...sent, ...PANS])
      expect(out).not.toContain(leaked)
    // The dashboard's recent DLQ reasons are scrubbed the same way.
    const data = await (await g.app.request('/dashboard/data')).text()
    expect(data).toContain('[redacted-pan]')
    for (const leaked of [SHOP_SECRET, ...PANS]) expect(data).not.toContain(leaked)
  })
})
