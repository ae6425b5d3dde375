/**
 * Hostile input over the HTTP surface (fast-check): random paths, methods, headers, encodings,
 * signatures and bodies, plus validly signed Stripe requests with one mutation. The gateway must
 * answer every one with a 4xx problem (or a documented 503 with Retry-After), never reject
 * unhandled, and never publish anything for a body it could not authenticate.
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestGateway, fixture } from '../helpers/app.ts'

const SECRET = 'whsec_fuzz_secret'
const body = await fixture('stripe.json')
const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET, GENERIC_WEBHOOK_SECRET: 'fuzz_generic' })

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})

const hist = new Map<number, number>()
afterAll(() => {
  if (process.env.FUZZ_HIST) console.log('status histogram', Object.fromEntries(hist))
})
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 400)

async function send(path: string, init: RequestInit): Promise<Response> {
  return Promise.resolve(g.app.request(`http://gateway.test${path}`, init))
}

/** Every answer: not a 5xx, except 503 that says when to come back; errors are problem+json. */
async function expectDocumented(res: Response): Promise<void> {
  const text = await res.text()
  if (res.status >= 500) {
    expect({ status: res.status, text }).toMatchObject({ status: 503 })
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
  }
  if (res.status >= 400 && res.status !== 405 && res.status !== 404) {
    expect(res.headers.get('content-type') ?? '').toContain('problem+json')
  }
}

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.string({ maxLength: 512 }).map((s) => new TextEncoder().encode(s)),
  fc.json().map((s) => new TextEncoder().encode(s)),
  fc.constant(new TextEncoder().encode(body)),
)
const encodingArb = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip')
const pathArb = fc.oneof(
  { arbitrary: fc.constantFrom('/webhooks/v1/stripe/events', '/webhooks/v1/generic/events'), weight: 6 },
  fc.constantFrom(
    '/webhooks/v1/stripe/events',
    '/webhooks/v1/generic/events',
    '/webhooks/v1/paypal/events',
    '/webhooks/v1/adyen/events',
    '/webhooks/v1/stripe/events/acme',
    '/webhooks/v1/nope/events',
    '/health',
    '/ready',
    '/metrics',
    '/batch/v1/jobs',
  ),
  fc.webPath().map((p) => `/webhooks/v1${p.startsWith('/') ? p : `/${p}`}`),
)
const headerValueArb = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
  fc.integer().map((n) => `t=${n},v1=${'ab'.repeat(32)}`),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 130 }).map((h) => `t=${Math.floor(Date.now() / 1000)},v1=${h}`),
)
const headersArb = fc.dictionary(
  fc.constantFrom(
    'stripe-signature',
    'content-type',
    'x-request-id',
    'idempotency-key',
    'authorization',
    'paypal-transmission-id',
    'paypal-cert-url',
    'paypal-transmission-sig',
    'paypal-auth-algo',
    'paypal-transmission-time',
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'x-txgate-tenant',
  ),
  headerValueArb,
  { maxKeys: 6 },
)

describe('fuzz: the HTTP surface', () => {
  it('answers random requests with documented statuses and publishes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        pathArb,
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        headersArb,
        encodingArb,
        bytesArb,
        fc.boolean(),
        async (path, method, headers, encoding, raw, compress) => {
          const h = new Headers()
          for (const [k, v] of Object.entries(headers)) h.set(k, v)
          if (encoding) h.set('content-encoding', encoding)
          const payload = compress && encoding === 'gzip' ? gzipSync(raw) : raw
          const res = await send(path, {
            method,
            headers: h,
            ...(method === 'GET' ? {} : { body: payload as Uint8Array<ArrayBuffer> }),
          })
          if (process.env.FUZZ_HIST) hist.set(res.status, (hist.get(res.status) ?? 0) + 1)
          await expectDocumented(res)
        },
      ),
      { numRuns: NUM_RUNS },
    )
    expect(g.publisher.records).toHaveLength(0)
    expect(unhandled).toEqual([])
  })

  it('refuses a validly signed Stripe event after any one mutation, publishing nothing', async () => {
    const timestamp = Math.floor(g.clock.now / 1000)
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp })
    // The unmutated request is accepted, so the refusals below are the mutations' doing.
    const ok = await g.post('stripe', body, { 'stripe-signature': header })
    expect(ok.status).toBe(200)
    const published = g.publisher.records.length
    expect(published).toBeGreaterThan(0)
    const bytes = new TextEncoder().encode(body)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({
            kind: fc.constant('flip' as const),
            at: fc.nat({ max: bytes.length - 1 }),
            xor: fc.integer({ min: 1, max: 255 }),
          }),
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: bytes.length - 1 }) }),
          fc.record({ kind: fc.constant('header' as const), at: fc.nat({ max: header.length - 1 }), ch: fc.string({ minLength: 1, maxLength: 1 }) }),
          fc.record({ kind: fc.constant('gzip-cut' as const), at: fc.nat({ max: 200 }) }),
        ),
        async (m) => {
          let payload: Uint8Array = bytes
          let sig = header
          const extra: Record<string, string> = {}
          if (m.kind === 'flip') {
            payload = bytes.slice()
            payload[m.at] = (payload[m.at] as number) ^ m.xor
          } else if (m.kind === 'truncate') {
            payload = bytes.subarray(0, m.at)
          } else if (m.kind === 'header') {
            if (header[m.at] === m.ch) return
            sig = header.slice(0, m.at) + m.ch + header.slice(m.at + 1)
          } else {
            const gz = gzipSync(bytes)
            payload = gz.subarray(0, Math.min(m.at, gz.length - 9))
            extra['content-encoding'] = 'gzip'
          }
          const res = await g.post('stripe', payload as Uint8Array<ArrayBuffer>, { 'stripe-signature': sig, ...extra })
          // Mutating a character of the header that Stripe does not read (a v0 part, say) may leave
          // it valid: that answer is a duplicate of the event above, never a second publish.
          if (res.status === 200) expect(m.kind).toBe('header')
          else expect(res.status).toBeGreaterThanOrEqual(400)
          await expectDocumented(res)
        },
      ),
      { numRuns: NUM_RUNS },
    )
    expect(g.publisher.records.length).toBe(published)
    expect(unhandled).toEqual([])
  })
})
