/**
 * GoCardless: the SDK has no signer, so node:crypto signs as GoCardless's docs show;
 * `gocardless-nodejs/webhooks` `parse` (its verifier) checks it. The body is the docs' webhook
 * example (`EV123`, payments confirmed, `PM123`) with the docs' payment resource `PM123` in
 * `linked.payments`, the Events API's include shape — a plain webhook carries no amount
 * (gocardless.test.ts: it goes to the DLQ saying so).
 */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse } from 'gocardless-nodejs/webhooks'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/gocardless.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'webhook-signature': createHmac('sha256', secret).update(payload).digest('hex') },
})

export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  try {
    return parse(req.body, secret, req.headers['webhook-signature'] ?? '').length > 0
  } catch {
    return false // InvalidSignatureError
  }
}

export default {
  provider: 'gocardless',
  signer: 'node:crypto (`gocardless-nodejs` has no signer; verified by `gocardless-nodejs/webhooks` `parse`)',
  secretSettings: (secrets) => ({ GOCARDLESS_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'gc-endpoint-secret-current-0123', previous: 'gc-endpoint-secret-previous-0123', wrong: 'gc-endpoint-secret-wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'webhook-signature',
  tamperBody: (b) => b.replace('"amount": 100,', '"amount": 10000,'),
  nonTransaction: (b) => b.replace('"resource_type": "payments"', '"resource_type": "mandates"'),
  unmappable: (b) => b.replace('"currency": "GBP"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'payments.confirmed',
    transaction_id: 'PM123',
    amount: 100,
    currency: 'GBP',
    status: 'confirmed',
    payment_method: 'bank_transfer',
    customer_id: null,
    timestamp: '2014-08-04T12:00:00.000Z',
    idempotency_key: 'EV123',
  },
} satisfies ProviderCase
