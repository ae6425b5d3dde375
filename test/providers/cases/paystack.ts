/** Paystack: no official Node SDK signs or verifies webhooks; node:crypto as Paystack's docs show. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/paystack.json', import.meta.url), 'utf8')

/** The docs' own verification code: hex HMAC-SHA512 of the raw body with the secret key. */
export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'x-paystack-signature': createHmac('sha512', secret).update(payload).digest('hex') },
})

export default {
  provider: 'paystack',
  signer: 'node:crypto (Paystack publishes no Node SDK; HMAC-SHA512 as its webhook docs compute it)',
  secretSettings: (secrets) => ({ PAYSTACK_SECRET_KEY: secrets.join(',') }),
  secrets: { current: 'sk_test_current_0123456789abcdef', previous: 'sk_test_previous_0123456789', wrong: 'sk_test_wrong' },
  body,
  sign,
  signatureHeader: 'x-paystack-signature',
  tamperBody: (b) => b.replace('"amount": 10000', '"amount": 1'),
  nonTransaction: (b) => b.replace('"charge.success"', '"customeridentification.success"'),
  unmappable: (b) => b.replace('"currency": "NGN"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'charge.success',
    transaction_id: 'qTPrJoy9Bx',
    amount: 10000,
    currency: 'NGN',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: 'CUS_qo38as2hpsgk2r0',
    timestamp: '2016-09-30T21:10:19.000Z',
    idempotency_key: 'charge.success:302961',
  },
} satisfies ProviderCase
