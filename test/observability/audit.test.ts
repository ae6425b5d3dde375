import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { createTestGateway, fixture, type TestGateway } from '../helpers/app.ts'

const SECRET = 'whsec_audit_test'
const body = await fixture('stripe.json')

function signed(g: TestGateway, payload = body, at = Math.floor(g.clock.now / 1000)) {
  return {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: SECRET,
      timestamp: at,
    }),
  }
}
const gateway = (settings: Record<string, string> = {}) =>
  createTestGateway(
    { STRIPE_WEBHOOK_SECRET: SECRET, ...settings },
    { deps: { clientIp: () => '203.0.113.7' } },
  )
const security = (g: TestGateway) => g.logs.filter((l) => String(l['msg']).startsWith('security:'))

describe('observability: one audit line per security event', () => {
  it('logs an authentication failure with provider, reason and the peer address from the runtime', async () => {
    const g = gateway()
    await g.post('stripe', body, {
      'stripe-signature': `t=${Math.floor(g.clock.now / 1000)},v1=${'0'.repeat(64)}`,
      'x-forwarded-for': '198.51.100.1, 10.0.0.1',
    })
    expect(security(g)).toEqual([
      expect.objectContaining({
        level: 'warn',
        event: 'auth_failure',
        provider: 'stripe',
        reason: 'bad_signature',
        ip: '203.0.113.7',
        forwarded_for: '198.51.100.1',
        request_id: expect.any(String),
      }),
    ])
  })

  it('logs a stale or future timestamp as a replay attempt', async () => {
    const g = gateway()
    await g.post('stripe', body, signed(g, body, Math.floor(g.clock.now / 1000) - 3600))
    expect(security(g)).toEqual([
      expect.objectContaining({
        event: 'replay_attempt',
        reason: 'stale_timestamp',
        ip: '203.0.113.7',
      }),
    ])
  })

  it('logs a duplicate delivery (at info level) with the first event id', async () => {
    const g = gateway()
    const first = (await (await g.post('stripe', body, signed(g))).json()) as { event_id: string }
    await g.post('stripe', body, signed(g))
    expect(security(g)).toEqual([
      expect.objectContaining({
        level: 'info',
        event: 'replay_attempt',
        kind: 'duplicate',
        first_event_id: first.event_id,
        ip: '203.0.113.7',
      }),
    ])
  })

  it('logs a body that fails the format check, and a rate-limit violation', async () => {
    const g = gateway({ TXGATE_RATE_LIMIT_STRIPE: '1/m' })
    await g.post('stripe', '{"id": 1}', signed(g, '{"id": 1}'))
    await g.post('stripe', body, signed(g))
    const events = security(g).map((l) => l['event'])
    expect(events).toContain('format_failure')
    expect(events).toContain('rate_limited')
    expect(security(g).filter((l) => l['event'] === 'rate_limited')).toEqual([
      expect.objectContaining({ bucket: expect.stringMatching(/^stripe:/) }),
    ])
    expect(security(g).find((l) => l['event'] === 'format_failure')).toMatchObject({
      ip: '203.0.113.7',
      provider: 'stripe',
    })
  })

  it('still logs the event when the runtime cannot tell the peer address', async () => {
    const g = createTestGateway(
      { STRIPE_WEBHOOK_SECRET: SECRET },
      {
        deps: {
          clientIp: () => {
            throw new Error('no socket')
          },
        },
      },
    )
    const res = await g.post('stripe', body, { 'stripe-signature': 't=1,v1=00' })
    expect(res.status).toBe(401)
    expect(security(g)).toEqual([expect.objectContaining({ event: 'auth_failure' })])
  })

  it('writes one request line with request_id, trace_id, provider, outcome, status and duration', async () => {
    const g = gateway()
    const res = await g.post('stripe', body, signed(g))
    const lines = g.logs.filter((l) => l['msg'] === 'request')
    expect(lines).toEqual([
      expect.objectContaining({
        request_id: res.headers.get('x-request-id'),
        trace_id: res.headers.get('traceparent')?.split('-')[1],
        provider: 'stripe',
        outcome: 'accepted',
        status: 200,
        duration_ms: expect.any(Number),
      }),
    ])
  })
})
