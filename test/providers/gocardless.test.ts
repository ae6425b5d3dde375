import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import gocardlessCase, { sign } from './cases/gocardless.ts'

// The table cases are in cases/gocardless.ts; here, what GoCardless's batches and thin events mean.

const secret = gocardlessCase.secrets.current
const gateway = () => createTestGateway({ GOCARDLESS_WEBHOOK_SECRET: secret })
const post = (g: ReturnType<typeof gateway>, payload: unknown) => {
  const signed = sign(JSON.stringify(payload), { secret, at: 0 })
  return g.post('gocardless', signed.body, signed.headers)
}

// The docs' webhook example as GoCardless sends it: two payment events, no amounts anywhere.
const plainWebhook = {
  events: [
    {
      id: 'EV123',
      created_at: '2014-08-04T12:00:00.000Z',
      action: 'confirmed',
      resource_type: 'payments',
      links: { payment: 'PM123' },
      details: { origin: 'gocardless', cause: 'payment_confirmed', description: 'Payment was confirmed as collected' },
    },
    {
      id: 'EV456',
      created_at: '2014-08-04T12:00:00.000Z',
      action: 'failed',
      resource_type: 'payments',
      links: { payment: 'PM456' },
      details: { origin: 'bank', cause: 'mandate_cancelled', scheme: 'bacs', reason_code: 'ARUDD-1' },
    },
  ],
  meta: { webhook_id: 'WB123' },
}

describe('provider: gocardless (special cases)', () => {
  it('sends the payment events of a plain webhook to the DLQ, each saying its amount must be fetched', async () => {
    const g = gateway()
    const res = await post(g, plainWebhook)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { events: unknown[] }).events).toMatchObject([{ dlq: true }, { dlq: true }])
    expect(g.publisher.records.map((r) => r.topic)).toEqual(['transactions.dlq', 'transactions.dlq'])
    const reasons = g.publisher.records.map((r) => String((r.value as { reason: unknown }).reason))
    expect(reasons[0]).toMatch(/carry no amount.*PM123.*GET \/payments\/PM123/)
    expect(reasons[1]).toMatch(/PM456/)
  })

  it('splits a batch: each payment and refund published with its included resource, a mandate event ignored', async () => {
    const g = gateway()
    const res = await post(g, {
      events: [
        { ...plainWebhook.events[0] },
        { id: 'EV789', created_at: '2014-08-05T09:00:00.000Z', action: 'active', resource_type: 'mandates', links: { mandate: 'MD123' } },
        { id: 'EV790', created_at: '2014-08-06T10:30:00.000Z', action: 'paid', resource_type: 'refunds', links: { refund: 'RF123', payment: 'PM123' } },
      ],
      linked: {
        payments: [{ id: 'PM123', amount: 100, currency: 'GBP', status: 'confirmed' }],
        refunds: [{ id: 'RF123', amount: 5000, currency: 'SEK', status: 'paid' }],
      },
      meta: { webhook_id: 'WB124' },
    })
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { events: Record<string, unknown>[] }
    expect(answer.events[1]).toEqual({ ignored: true })
    expect(g.publisher.records.map((r) => r.value)).toMatchObject([
      { transaction_id: 'PM123', event_type: 'payments.confirmed', amount: 100, currency: 'GBP', idempotency_key: 'EV123' },
      { transaction_id: 'RF123', event_type: 'refunds.paid', status: 'refunded', amount: 5000, currency: 'SEK', idempotency_key: 'EV790' },
    ])
  })
})
