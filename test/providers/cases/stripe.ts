/** Stripe: signed by stripe-node's own test signer, checked by its `constructEvent` too. */
import Stripe from 'stripe'
import { fixture } from '../../helpers/app.ts'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await fixture('stripe.json')
export const current = 'whsec_current_0123456789'
export const previous = 'whsec_previous_0123456789'

/** The header comes from stripe-node, not from our code. */
export const sign = (payload: string, { secret, at }: SignOptions) => ({
  body: payload,
  headers: {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: at }),
  },
})

export default {
  provider: 'stripe',
  signer: '`stripe` `webhooks.generateTestHeaderString` (verified by `constructEvent`)',
  secretSettings: (secrets) => ({ STRIPE_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current, previous, wrong: 'whsec_wrong' },
  body,
  sign,
  sdkVerify: (req, secret) => {
    try {
      // The gateway's test clock is not the SDK's: the SDK is told the request arrived when signed.
      const header = req.headers['stripe-signature'] ?? ''
      const t = Number(/t=(\d+)/.exec(header)?.[1])
      Stripe.webhooks.constructEvent(req.body, header, secret, 300, undefined, t * 1000)
      return true
    } catch {
      return false
    }
  },
  signatureHeader: 'stripe-signature',
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"amount": 1099', '"amount": 1'),
  nonTransaction: (b) => b.replace('"payment_intent.succeeded"', '"customer.created"'),
  unmappable: (b) => b.replace('"currency": "usd"', '"currency": "zzz"'),
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
} satisfies ProviderCase
