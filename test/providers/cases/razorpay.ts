/** Razorpay: the SDK has no signer, so node:crypto signs as Razorpay's docs show; `Razorpay.validateWebhookSignature` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import Razorpay from 'razorpay'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/razorpay.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: {
    'x-razorpay-signature': createHmac('sha256', secret).update(payload).digest('hex'),
    'x-razorpay-event-id': 'LBb9xPQ7kZWKhB',
  },
})

export const sdkVerify = (req: SignedRequest, secret: string): boolean =>
  Razorpay.validateWebhookSignature(req.body, req.headers['x-razorpay-signature'] ?? '', secret)

export default {
  provider: 'razorpay',
  signer: 'node:crypto (the `razorpay` SDK has no signer; verified by `Razorpay.validateWebhookSignature`)',
  secretSettings: (secrets) => ({ RAZORPAY_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'rzp_whsec_current_0123456789', previous: 'rzp_whsec_previous_0123', wrong: 'rzp_whsec_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-razorpay-signature',
  tamperBody: (b) => b.replace('"amount": 100,', '"amount": 1,'),
  nonTransaction: (b) => b.replace('"payment.captured"', '"order.paid"'),
  unmappable: (b) => b.replace('"currency": "SGD"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'payment.captured',
    transaction_id: 'pay_DESp9bgForNoUd',
    amount: 100,
    currency: 'SGD',
    status: 'captured',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2019-09-05T09:13:17.000Z',
    idempotency_key: 'payment.captured:pay_DESp9bgForNoUd',
  },
} satisfies ProviderCase
