import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { body, current } from './cases/stripe.ts'

// The table cases (valid, tampers, rotation, duplicate, ignored, DLQ) are in cases/stripe.ts.

describe('provider: stripe (special cases)', () => {
  it('accepts a header carrying one v1 per secret during a roll, only one of them valid', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: current })
    const t = Math.floor(g.clock.now / 1000)
    const good = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: current, timestamp: t })
    const other = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_x', timestamp: t })
    const header = `${good},v1=${/v1=([0-9a-f]+)/.exec(other)?.[1]}`
    expect((await g.post('stripe', body, { 'stripe-signature': header })).status).toBe(200)
  })

  it('rejects a whitespace-only change to the signed body', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: current })
    const t = Math.floor(g.clock.now / 1000)
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: current, timestamp: t })
    expect((await g.post('stripe', body + ' ', { 'stripe-signature': header })).status).toBe(401)
  })

  it('agrees with the SDK verifier on what it accepts', async () => {
    const t = Math.floor(Date.now() / 1000)
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: current, timestamp: t })
    expect(Stripe.webhooks.constructEvent(body, header, current).id).toBe('evt_1MoS6tLgUG5tbmjchDsX6fiT')
  })

  it('maps a zero-decimal currency amount as whole units (JPY)', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: current })
    const jpy = body.replace('"currency": "usd"', '"currency": "jpy"')
    const t = Math.floor(g.clock.now / 1000)
    const header = Stripe.webhooks.generateTestHeaderString({ payload: jpy, secret: current, timestamp: t })
    expect((await g.post('stripe', jpy, { 'stripe-signature': header })).status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({ amount: 1099, currency: 'JPY' })
  })
})
