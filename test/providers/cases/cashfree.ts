/** Cashfree: the SDK has no signer, so node:crypto signs as Cashfree's docs show; `cashfree-pg` `PGVerifyWebhookSignature` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Cashfree, CFEnvironment } from 'cashfree-pg'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

/** Cashfree's documented PAYMENT_SUCCESS_WEBHOOK (a UPI payment). */
export const body = await readFile(new URL('../../fixtures/providers/cashfree.json', import.meta.url), 'utf8')

/** Cashfree sends the timestamp in milliseconds. */
export const sign = (payload: string, { secret, at }: SignOptions) => {
  const ts = String(at * 1000)
  return {
    body: payload,
    headers: {
      'x-webhook-timestamp': ts,
      'x-webhook-signature': createHmac('sha256', secret).update(ts + payload).digest('base64'),
      'x-webhook-version': '2023-08-01',
    },
  }
}

export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  const cashfree = new Cashfree(CFEnvironment.SANDBOX, 'txgate-test-client', secret)
  try {
    cashfree.PGVerifyWebhookSignature(req.headers['x-webhook-signature'] ?? '', req.body, req.headers['x-webhook-timestamp'] ?? '')
    return true
  } catch {
    return false
  }
}

export default {
  provider: 'cashfree',
  signer: 'node:crypto (`cashfree-pg` has no signer; `PGVerifyWebhookSignature` accepts it)',
  secretSettings: (secrets) => ({ CASHFREE_CLIENT_SECRET: secrets.join(',') }),
  secrets: { current: 'cfsk_ma_test_current_0123456789', previous: 'cfsk_ma_test_previous_01234', wrong: 'cfsk_ma_test_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-webhook-signature',
  requiredHeaders: ['x-webhook-signature', 'x-webhook-timestamp'],
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"payment_amount": 1,', '"payment_amount": 100,'),
  nonTransaction: (b) => b.replace('"PAYMENT_SUCCESS_WEBHOOK"', '"SETTLEMENT_WEBHOOK"'),
  unmappable: (b) => b.replace('"payment_currency": "INR"', '"payment_currency": "ZZZ"'),
  expected: {
    event_type: 'PAYMENT_SUCCESS_WEBHOOK',
    transaction_id: '1453002795',
    amount: 100,
    currency: 'INR',
    status: 'succeeded',
    payment_method: 'upi',
    customer_id: '7112AAA812234',
    timestamp: '2022-12-15T06:50:29.000Z',
    idempotency_key: 'PAYMENT_SUCCESS_WEBHOOK:1453002795',
  },
} satisfies ProviderCase
