/** Checkout.com: `checkout-sdk-node` has no webhook signer or verifier, so node:crypto signs as Checkout.com's docs describe (self-check). */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/checkout.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'cko-signature': createHmac('sha256', secret).update(payload).digest('hex') },
})

export default {
  provider: 'checkout',
  signer: 'node:crypto (`checkout-sdk-node` has no webhook signer or verifier; hex HMAC-SHA256 of the body per the docs)',
  secretSettings: (secrets) => ({ CHECKOUT_SIGNATURE_KEY: secrets.join(',') }),
  secrets: { current: 'cko-signature-key-current-0123', previous: 'cko-signature-key-previous-0123', wrong: 'cko-signature-key-wrong' },
  body,
  sign,
  signatureHeader: 'cko-signature',
  tamperBody: (b) => b.replace('"amount": 20,', '"amount": 2000,'),
  nonTransaction: (b) => b.replace('"payment_approved"', '"dispute_received"'),
  unmappable: (b) => b.replace('"currency": "USD"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'payment_approved',
    transaction_id: 'pay_griq7wyqkggu7mnk7ecm6ysrl4',
    amount: 20,
    currency: 'USD',
    status: 'authorized',
    payment_method: 'card',
    customer_id: 'cus_m3cixs4slzcelfjmdcodlgyvkq',
    timestamp: '2023-05-22T11:56:01.129Z',
    idempotency_key: 'evt_caxmnvuvbe4elkbdx2imwbnjxu',
  },
} satisfies ProviderCase
