/** Worldpay: no official Node SDK signs or verifies events; node:crypto per the Event-Signature docs. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/worldpay.json', import.meta.url), 'utf8')

export const signature = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('hex')

/** keyId 1; a renewal adds `2/SHA256/…` (test/providers/worldpay.test.ts). */
export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'event-signature': `1/SHA256/${signature(payload, secret)}` },
})

export default {
  provider: 'worldpay',
  signer: 'node:crypto (Worldpay publishes no Node SDK for Access Worldpay events; `{keyId}/SHA256/{hex}` per its docs)',
  secretSettings: (secrets) => ({ WORLDPAY_EVENT_SECRET: secrets.join(',') }),
  secrets: { current: 'wp-current-0123456789abcdef', previous: 'wp-previous-0123456789', wrong: 'wp-wrong' },
  body,
  sign,
  signatureHeader: 'event-signature',
  tamperBody: (b) => b.replace('"value": 100', '"value": 1'),
  nonTransaction: (b) => b.replace('"classification": "payment"', '"classification": "chargeback"'),
  unmappable: (b) => b.replace('"currencyCode": "EUR"', '"currencyCode": "ZZZ"'),
  expected: {
    event_type: 'payment.sentForSettlement',
    transaction_id: 'Memory265-13/08/1876',
    amount: 100,
    currency: 'EUR',
    status: 'captured',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2018-06-13T14:18:13.407Z',
    idempotency_key: 'bb55ca5a-e05c-47e1-8e94-e88bac1a0a17',
  },
} satisfies ProviderCase
