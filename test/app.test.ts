import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { InFlight } from '../src/errors.ts'
import { createTestGateway, fixture, type TestGateway } from './helpers/app.ts'
import { spoolFull } from './helpers/fakes.ts'

const SECRET = 'whsec_app_test'
const body = await fixture('stripe.json')
const settings = { STRIPE_WEBHOOK_SECRET: SECRET }

function signed(g: TestGateway, payload = body, at = Math.floor(g.clock.now / 1000)) {
  return { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: at }) }
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const p = (await res.json()) as Record<string, unknown>
  expect(p).toMatchObject({ status: res.status })
  expect(typeof p['type']).toBe('string')
  expect(typeof p['title']).toBe('string')
  expect(typeof p['detail']).toBe('string')
  expect(typeof p['request_id']).toBe('string')
  return p
}

describe('app: the DESIGN status table, row by row', () => {
  it('404 problem for an unknown provider', async () => {
    const g = createTestGateway(settings)
    const res = await g.post('nosuch', body, signed(g))
    expect(res.status).toBe(404)
    expect(await problem(res)).toMatchObject({ code: 'unknown_provider' })
  })

  it('404 for a known provider that is not configured, never 200', async () => {
    const g = createTestGateway({})
    const res = await g.post('stripe', body, signed(g))
    expect(res.status).toBe(404)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('404 for prototype names in the provider segment', async () => {
    const g = createTestGateway(settings)
    for (const id of ['__proto__', 'constructor', 'toString']) {
      expect((await g.post(id, body, signed(g))).status).toBe(404)
    }
  })

  it('413 for a body over the limit, by Content-Length', async () => {
    const g = createTestGateway({ ...settings, TXGATE_BODY_LIMIT: '1024' })
    const big = JSON.stringify({ pad: 'x'.repeat(2000) })
    const res = await g.post('stripe', big, signed(g, big))
    expect(res.status).toBe(413)
    expect(await problem(res)).toMatchObject({ code: 'payload_too_large' })
  })

  it('413 for a streamed body over the limit without Content-Length', async () => {
    const g = createTestGateway({ ...settings, TXGATE_BODY_LIMIT: '1024' })
    const chunk = new TextEncoder().encode('x'.repeat(512))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 100) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await g.app.request('http://gateway.test/webhooks/v1/stripe/events', {
      method: 'POST',
      body: stream,
      headers: signed(g),
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(sent).toBeLessThan(10) // stopped reading early, did not buffer 50 KB
  })

  it('401 for a missing signature, before anything is parsed', async () => {
    const g = createTestGateway(settings)
    const res = await g.post('stripe', 'not json at all')
    expect(res.status).toBe(401)
    expect(await problem(res)).toMatchObject({ code: 'unauthorized' })
  })

  it('401 answers never echo the signature or the secret', async () => {
    const g = createTestGateway(settings)
    const headers = signed(g, body + 'x')
    const res = await g.post('stripe', body, headers)
    const text = await res.text()
    expect(res.status).toBe(401)
    expect(text).not.toContain(headers['stripe-signature'].split('v1=')[1])
    expect(text).not.toContain(SECRET)
    expect(JSON.stringify(g.logs)).not.toContain(SECRET)
    expect(JSON.stringify(g.logs)).not.toContain(headers['stripe-signature'].split('v1=')[1])
  })

  it('429 with Retry-After and RateLimit-* headers over the limit; unauthenticated requests spend nothing', async () => {
    const g = createTestGateway({ ...settings, TXGATE_RATE_LIMIT_STRIPE: '1/m,burst=2' })
    for (let i = 0; i < 5; i++) expect((await g.post('stripe', body)).status).toBe(401)
    const other = (n: number) => body.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', `evt_rl_${n}`)
    expect((await g.post('stripe', other(1), signed(g, other(1)))).status).toBe(200)
    expect((await g.post('stripe', other(2), signed(g, other(2)))).status).toBe(200)
    const res = await g.post('stripe', other(3), signed(g, other(3)))
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(res.headers.get('ratelimit-limit')).toBe('2')
    expect(res.headers.get('ratelimit-remaining')).toBe('0')
    expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
    expect(await problem(res)).toMatchObject({ code: 'rate_limited' })
    g.clock.now += 60_000 // a minute refills one token
    expect((await g.post('stripe', other(4), signed(g, other(4)))).status).toBe(200)
  })

  it('400 for an authentic body that is not JSON', async () => {
    const g = createTestGateway(settings)
    const bad = '{"id": "evt_1",'
    const res = await g.post('stripe', bad, signed(g, bad))
    expect(res.status).toBe(400)
    expect(await problem(res)).toMatchObject({ code: 'bad_request' })
  })

  it('400 for an authentic body with broken UTF-8', async () => {
    const g = createTestGateway(settings)
    const bytes = new Uint8Array([...new TextEncoder().encode('{"id":"'), 0xc3, 0x28, ...new TextEncoder().encode('"}')])
    // The SDK signs strings; these bytes are not valid UTF-8, so sign the exact bytes directly.
    const { createHmac } = await import('node:crypto')
    const t = Math.floor(g.clock.now / 1000)
    const mac = createHmac('sha256', SECRET).update(`${t}.`).update(bytes).digest('hex')
    const res = await g.post('stripe', bytes, { 'stripe-signature': `t=${t},v1=${mac}` })
    expect(res.status).toBe(400)
    expect((await problem(res))['detail']).toContain('UTF-8')
  })

  it('400 for authentic JSON that is not the provider envelope, without echoing values', async () => {
    const g = createTestGateway(settings)
    const bad = JSON.stringify({ id: 42, secret_value: 'do-not-echo' })
    const res = await g.post('stripe', bad, signed(g, bad))
    expect(res.status).toBe(400)
    expect(JSON.stringify(await problem(res))).not.toContain('do-not-echo')
  })

  it('200 {"ignored": true} for an authentic event that is not a transaction', async () => {
    const g = createTestGateway(settings)
    const other = body.replace('"payment_intent.succeeded"', '"invoice.created"')
    const res = await g.post('stripe', other, signed(g, other))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ignored: true })
    expect(g.publisher.records).toHaveLength(0)
  })

  it('200 and a DLQ record with the raw event and the reason for a transaction that cannot be normalized', async () => {
    const g = createTestGateway(settings)
    const bad = body.replace('"amount": 1099', '"amount": 10.99')
    const res = await g.post('stripe', bad, signed(g, bad))
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { event_id: string; dlq: boolean }
    expect(answer.dlq).toBe(true)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.dlq')
    expect(record?.value).toMatchObject({ event_id: answer.event_id, provider: 'stripe', reason: expect.stringContaining('amount') })
    expect((record?.value as { raw: { id: string } }).raw.id).toBe('evt_1MoS6tLgUG5tbmjchDsX6fiT')
  })

  it('a duplicate of a DLQ event is answered from the record and not sent to the DLQ again', async () => {
    const g = createTestGateway(settings)
    const bad = body.replace('"currency": "usd"', '"currency": "xxx"')
    const first = (await (await g.post('stripe', bad, signed(g, bad))).json()) as { event_id: string }
    const again = (await (await g.post('stripe', bad, signed(g, bad))).json()) as { event_id: string; duplicate: boolean }
    expect(again).toMatchObject({ event_id: first.event_id, duplicate: true })
    expect(g.publisher.records).toHaveLength(1)
  })

  it('200 duplicate with the first event_id; nothing published', async () => {
    const g = createTestGateway(settings)
    const first = (await (await g.post('stripe', body, signed(g))).json()) as { event_id: string }
    const res = await g.post('stripe', body, signed(g))
    expect(await res.json()).toEqual({ event_id: first.event_id, duplicate: true })
    expect(g.publisher.records).toHaveLength(1)
  })

  it('409 with Retry-After: 1 while the same event is in flight', async () => {
    const g = createTestGateway(settings)
    let release: () => void = () => undefined
    const publish = g.publisher.publish.bind(g.publisher)
    g.publisher.publish = async (records) => {
      await new Promise<void>((r) => (release = r))
      return publish(records)
    }
    const first = g.post('stripe', body, signed(g))
    await new Promise((r) => setTimeout(r, 20))
    const second = await g.post('stripe', body, signed(g))
    expect(second.status).toBe(409)
    expect(second.headers.get('retry-after')).toBe('1')
    expect(await problem(second)).toMatchObject({ code: new InFlight('').code })
    release()
    expect((await first).status).toBe(200)
  })

  it('503 with Retry-After when the event cannot be stored; the claim is released so a retry goes through', async () => {
    const g = createTestGateway(settings)
    g.publisher.failWith = spoolFull()
    const res = await g.post('stripe', body, signed(g))
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await problem(res)).toMatchObject({ code: 'unavailable' })
    g.publisher.failWith = undefined
    const retry = await g.post('stripe', body, signed(g))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ duplicate: false })
    expect(g.publisher.records).toHaveLength(1)
  })

  it('503 (not 500) when the publisher throws something unexpected', async () => {
    const g = createTestGateway(settings)
    g.publisher.failWith = new Error('disk on fire')
    const res = await g.post('stripe', body, signed(g))
    expect(res.status).toBe(503)
  })
})

describe('app: health, readiness and the rest of the surface', () => {
  it('GET /health answers 200 healthy', async () => {
    const g = createTestGateway(settings)
    const res = await g.app.request('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'healthy' })
  })

  it('GET /ready is 200 with the store and the publisher, 503 naming the one that fails', async () => {
    const g = createTestGateway(settings)
    const ok = await g.app.request('/ready')
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ status: 'ready', store: { ok: true }, publisher: { ok: true }, providers: ['stripe'] })
    g.publisher.failWith = spoolFull()
    const bad = await g.app.request('/ready')
    expect(bad.status).toBe(503)
    expect(await bad.json()).toMatchObject({ status: 'unavailable', store: { ok: true }, publisher: { ok: false } })
  })

  it('405 with Allow: POST for other methods on the webhook route', async () => {
    const g = createTestGateway(settings)
    const res = await g.app.request('/webhooks/v1/stripe/events')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
  })

  it('404 problem for unknown paths', async () => {
    const g = createTestGateway(settings)
    const res = await g.app.request('/nope')
    expect(res.status).toBe(404)
    await problem(res)
  })

  it('continues an incoming traceparent: same trace id in the answer and on the Kafka record', async () => {
    const g = createTestGateway(settings)
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const res = await g.post('stripe', body, { ...signed(g), traceparent: `00-${traceId}-00f067aa0ba902b7-01` })
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
    const [record] = g.publisher.records
    expect(record?.value).toMatchObject({ trace_id: traceId })
    expect(record?.headers.traceparent).toContain(traceId)
  })

  it('mints a trace id when traceparent is absent or invalid', async () => {
    const g = createTestGateway(settings)
    const res = await g.post('stripe', body, { ...signed(g), traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })
    expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(res.headers.get('traceparent')).not.toContain('0000000000000000000000000000000')
  })

  it('keeps a plain X-Request-Id and replaces an unsafe one', async () => {
    const g = createTestGateway(settings)
    const kept = await g.post('stripe', body, { ...signed(g), 'x-request-id': 'abc-123' })
    expect(kept.headers.get('x-request-id')).toBe('abc-123')
    const replaced = await g.post('stripe', body, { ...signed(g), 'x-request-id': 'not ok\n' })
    // A minted id is a UUID; 'not ok' has letters no UUID holds, so this cannot pass by chance.
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(replaced.headers.get('x-request-id')).not.toContain('not ok')
    const pan = await g.post('stripe', body, { ...signed(g), 'x-request-id': 'order-4111111111111111' })
    expect(pan.headers.get('x-request-id')).not.toContain('4111111111111111')
    expect(JSON.stringify(g.logs)).not.toContain('4111111111111111')
  })

  it('logs one JSON line per request with its outcome and status', async () => {
    const g = createTestGateway(settings)
    await g.post('stripe', body, signed(g))
    const line = g.logs.find((l) => l['msg'] === 'request')
    expect(line).toMatchObject({ provider: 'stripe', outcome: 'accepted', status: 200 })
    expect(typeof line?.['duration_ms']).toBe('number')
  })

  it('stamps TXGATE_TENANT_ID on messages', async () => {
    const g = createTestGateway({ ...settings, TXGATE_TENANT_ID: 'acme' })
    await g.post('stripe', body, signed(g))
    expect(g.publisher.records[0]?.value).toMatchObject({ tenant_id: 'acme' })
  })
})
