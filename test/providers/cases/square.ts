/** Square: the SDK has no signer, so node:crypto signs as Square's docs show; `WebhooksHelper.verifySignature` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { WebhooksHelper } from 'square'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/square.json', import.meta.url), 'utf8')

/** The subscription's notification URL as registered at Square (not the URL the test posts to). */
export const notificationUrl = 'https://payments.example.com/webhooks/v1/square'

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: {
    'x-square-hmacsha256-signature': createHmac('sha256', secret).update(notificationUrl + payload).digest('base64'),
  },
})

export const sdkVerify = (req: SignedRequest, secret: string): Promise<boolean> =>
  WebhooksHelper.verifySignature({
    requestBody: req.body,
    signatureHeader: req.headers['x-square-hmacsha256-signature'] ?? '',
    signatureKey: secret,
    notificationUrl,
  })

export default {
  provider: 'square',
  signer: 'node:crypto (the `square` SDK has no signer; verified by `WebhooksHelper.verifySignature`)',
  secretSettings: (secrets) => ({ SQUARE_SIGNATURE_KEY: secrets.join(',') }),
  settings: { SQUARE_NOTIFICATION_URL: notificationUrl },
  secrets: { current: 'sq_sig_current_0123456789abcdef', previous: 'sq_sig_previous_0123456789', wrong: 'sq_sig_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-square-hmacsha256-signature',
  tamperBody: (b) => b.replace('"amount": 100,', '"amount": 1,'),
  nonTransaction: (b) => b.replace('"payment.updated"', '"customer.created"'),
  unmappable: (b) => b.replace('"currency": "USD"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'payment.updated',
    transaction_id: 'hYy9pRFVxpDsO1FB05SunFWUe9JZY',
    amount: 100,
    currency: 'USD',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2020-11-22T21:19:00.831Z',
    idempotency_key: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc',
  },
} satisfies ProviderCase
