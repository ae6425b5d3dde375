import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { createTestGateway, fixture } from '../helpers/app.ts'
import { testProvider } from '../helpers/provider-suite.ts'

const body = await fixture('stripe.json')
const current = 'whsec_current_0123456789'
const previous = 'whsec_previous_0123456789'

// Signed by Stripe's own SDK: the header comes from stripe-node, not from our code.
const sign = (payload: string, { secret, at }: { secret: string; at: number }) => ({
  body: payload,
  headers: {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: at }),
  },
})

testProvider({
  provider: 'stripe',
  settings: { STRIPE_WEBHOOK_SECRET: `${previous},${current}` },
  secrets: { current, previous, wrong: 'whsec_wrong' },
  body,
  sign,
  signatureHeader: 'stripe-signature',
  signsTime: true,
  toleranceDirection: 'past',
  tamperBody: (b) => b.replace('"amount": 1099', '"amount": 1'),
  nonTransaction: (b) => b.replace('"payment_intent.succeeded"', '"customer.created"'),
  unnormalizable: (b) => b.replace('"currency": "usd"', '"currency": "zzz"'),
  expected: {
    event_type: 'payment_intent.succeeded',
    transaction_id: 'pi_1MoS6tLgUG5tbmjcQ62U6djv',
    amount: 1099,
    currency: 'USD',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2023-03-22T13:53:51.000Z',
    idempotency_key: 'evt_1MoS6tLgUG5tbmjchDsX6fiT',
  },
})

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
