import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { createTestGateway, fixture, type TestGateway } from '../helpers/app.ts'
import { parseSamples, valueOf } from './exposition.ts'

const SECRET = 'whsec_metrics_endpoint_test'
const body = await fixture('stripe.json')

function sign(g: TestGateway, payload = body, at = Math.floor(g.clock.now / 1000)) {
  return {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: SECRET,
      timestamp: at,
    }),
  }
}

/** The value of one sample of /metrics, by name and exact labels (undefined when absent). */
async function sample(
  g: TestGateway,
  name: string,
  labels: Record<string, string> = {},
  headers = {},
) {
  const res = await g.app.request('/metrics', { headers })
  expect(res.status).toBe(200)
  // A histogram's observation count stands for the histogram.
  const samples = parseSamples(await res.text())
  return valueOf(samples, name, labels) ?? valueOf(samples, `${name}_count`, labels)
}

describe('observability: GET /metrics', () => {
  it('counts requests by provider and outcome, unauthorized with its reason', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    expect((await g.post('stripe', body, sign(g))).status).toBe(200)
    expect((await g.post('stripe', body, sign(g))).status).toBe(200) // duplicate
    expect((await g.post('stripe', body, { 'stripe-signature': 't=1,v1=00' })).status).toBe(401)
    expect(
      (await g.post('stripe', body, sign(g, body, Math.floor(g.clock.now / 1000) - 3600))).status,
    ).toBe(401)
    expect((await g.post('stripe', '{', sign(g, '{'))).status).toBe(400)

    expect(
      await sample(g, 'txgate_requests_total', { provider: 'stripe', outcome: 'accepted' }),
    ).toBe(1)
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'stripe', outcome: 'duplicate' }),
    ).toBe(1)
    expect(
      await sample(g, 'txgate_requests_total', {
        provider: 'stripe',
        outcome: 'unauthorized',
        reason: 'stale_timestamp',
      }),
    ).toBe(1)
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'stripe', outcome: 'bad_request' }),
    ).toBe(1)
    const unauthorized = await (await g.app.request('/metrics')).text()
    expect(unauthorized).toMatch(
      /txgate_requests_total\{provider="stripe",outcome="unauthorized",reason="(bad_signature|malformed_header)"\} 1/,
    )
    expect(
      await sample(g, 'txgate_events_total', { provider: 'stripe', outcome: 'accepted' }),
    ).toBe(1)
    expect(await sample(g, 'txgate_request_duration_seconds', { provider: 'stripe' })).toBe(5)
  })

  it('counts store calls and publish results and batch sizes through the ports', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    await g.post('stripe', body, sign(g))
    expect(await sample(g, 'txgate_publish_total', { publisher: 'recording', result: 'ok' })).toBe(
      1,
    )
    expect(
      await sample(g, 'txgate_publish_records_total', {
        publisher: 'recording',
        topic: 'transactions.realtime',
        result: 'ok',
      }),
    ).toBe(1)
    expect(await sample(g, 'txgate_publish_batch_size', { publisher: 'recording' })).toBe(1)
    const text = await (await g.app.request('/metrics')).text()
    expect(text).toMatch(
      /txgate_store_calls_total\{store="memory",op="(claim|limit|limit_and_claim)"\} [1-9]/,
    )

    g.publisher.failWith = new Error('kafka down')
    const other = body.replace(/"id": "evt_[^"]+"/, '"id": "evt_other"')
    expect((await g.post('stripe', other, sign(g, other))).status).toBe(503)
    expect(
      await sample(g, 'txgate_publish_total', { publisher: 'recording', result: 'error' }),
    ).toBe(1)
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'stripe', outcome: 'unavailable' }),
    ).toBe(1)
  })

  it('never turns a URL segment into a label: unknown providers count as "unknown"', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    for (let i = 0; i < 50; i++) await g.post(`probe-${i}`, body)
    await g.app.request('/wp-login.php')
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'unknown', outcome: 'not_found' }),
    ).toBe(50)
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'none', outcome: 'not_found' }),
    ).toBe(1)
    expect(await (await g.app.request('/metrics')).text()).not.toContain('probe-')
  })

  it('does not count health checks, readiness probes or its own scrapes as traffic', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    await g.app.request('/health')
    await g.app.request('/ready')
    await g.app.request('/metrics')
    expect(
      await sample(g, 'txgate_requests_total', { provider: 'none', outcome: 'accepted' }),
    ).toBeUndefined()
  })

  it('answers in the Prometheus text format with its content type', async () => {
    const g = createTestGateway({})
    const res = await g.app.request('/metrics')
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(await res.text()).toContain('# TYPE txgate_requests_total counter')
  })

  it('is switched off by TXGATE_METRICS=off (and the webhook path still works)', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET, TXGATE_METRICS: 'off' })
    expect((await g.post('stripe', body, sign(g))).status).toBe(200)
    const text = await (await g.app.request('/metrics')).text()
    expect(text).not.toContain('txgate_requests_total')
    expect(text).toContain('TXGATE_METRICS=off')
  })
})

describe('observability: TXGATE_ADMIN_TOKEN guards /metrics and the dashboard', () => {
  const TOKEN = 'adm-7f3c9e1b2d4a6f8e'
  const routes = ['/metrics', '/dashboard', '/dashboard/data']

  it('answers 401 without the token, or with a wrong one, and logs it as a security event', async () => {
    const g = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN })
    for (const path of routes) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token' },
        { authorization: `Bearer ${TOKEN}x` },
      ] as Record<string, string>[]) {
        const res = await g.app.request(path, { headers })
        expect(res.status).toBe(401)
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
        expect(await res.text()).not.toContain('txgate_requests_total')
      }
    }
    expect(g.logs.filter((l) => l['event'] === 'admin_auth_failure')).toHaveLength(9)
    expect(JSON.stringify(g.logs)).not.toContain(TOKEN)
  })

  it('accepts the token as Bearer (Prometheus) or as a Basic password (a browser)', async () => {
    const g = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN })
    for (const path of routes) {
      expect(
        (await g.app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      ).toBe(200)
      const basic = `Basic ${btoa(`operator:${TOKEN}`)}`
      expect((await g.app.request(path, { headers: { authorization: basic } })).status).toBe(200)
    }
  })

  it('leaves the routes open when no token is set, and never guards the webhook route', async () => {
    const open = createTestGateway({})
    for (const path of routes) expect((await open.app.request(path)).status).toBe(200)
    const g = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN, STRIPE_WEBHOOK_SECRET: SECRET })
    expect((await g.post('stripe', body, sign(g))).status).toBe(200)
  })
})
