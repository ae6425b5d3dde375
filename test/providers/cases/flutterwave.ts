/** Flutterwave: no official Node SDK signs or verifies webhooks; node:crypto as Flutterwave's docs compute it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/flutterwave.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'flutterwave-signature': createHmac('sha256', secret).update(payload).digest('base64') },
})

export default {
  provider: 'flutterwave',
  signer: 'node:crypto (`flutterwave-node-v3` has no webhook signer or verifier; base64 HMAC-SHA256 per the docs)',
  secretSettings: (secrets) => ({ FLUTTERWAVE_SECRET_HASH: secrets.join(',') }),
  secrets: { current: 'flw-hash-current-0123456789', previous: 'flw-hash-previous-0123456789', wrong: 'flw-hash-wrong' },
  body,
  sign,
  signatureHeader: 'flutterwave-signature',
  tamperBody: (b) => b.replace('"amount": 100,', '"amount": 1,'),
  nonTransaction: (b) => b.replace('"charge.completed"', '"transfer.completed"'),
  unmappable: (b) => b.replace('"currency": "NGN"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'charge.completed',
    transaction_id: '285959875',
    amount: 10000,
    currency: 'NGN',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: '215604089',
    timestamp: '2020-07-06T19:17:04.000Z',
    idempotency_key: 'charge.completed:285959875:successful',
  },
} satisfies ProviderCase
