/** Lemon Squeezy: no official SDK signs or verifies webhooks; node:crypto as Lemon Squeezy's docs compute it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/lemonsqueezy.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'x-signature': createHmac('sha256', secret).update(payload).digest('hex') },
})

export default {
  provider: 'lemonsqueezy',
  signer: 'node:crypto (`@lemonsqueezy/lemonsqueezy.js` has no webhook signer or verifier; hex HMAC-SHA256 of the body per the docs)',
  secretSettings: (secrets) => ({ LEMONSQUEEZY_SIGNING_SECRET: secrets.join(',') }),
  secrets: { current: 'ls-signing-current-0123456789', previous: 'ls-signing-previous-0123456789', wrong: 'ls-signing-wrong' },
  body,
  sign,
  signatureHeader: 'x-signature',
  tamperBody: (b) => b.replace('"total": 1199,', '"total": 1,'),
  nonTransaction: (b) => b.replace('"order_created"', '"subscription_updated"'),
  unmappable: (b) => b.replace('"currency": "USD"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'order_created',
    transaction_id: '1',
    amount: 1199,
    currency: 'USD',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: '1',
    timestamp: '2021-08-17T09:45:53.000Z',
    idempotency_key: 'order_created:orders:1',
  },
} satisfies ProviderCase
