/** Mollie: signed by the official `mollie-api-typescript` SDK's `SignatureValidator.createSignature`, checked by its `validate`. */
import { readFile } from 'node:fs/promises'
import { SignatureValidator } from 'mollie-api-typescript'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

/** Mollie's docs example event (payment-link.paid, full payload); provenance in ../shared/fixtures/provider-events/README.md. */
export const body = await readFile(new URL('../../fixtures/providers/mollie.json', import.meta.url), 'utf8')

export const sign = async (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'x-mollie-signature': `sha256=${await SignatureValidator.createSignature(payload, secret)}` },
})

// The SDK throws on a mismatch and answers false when there is no signature at all.
export const sdkVerify = async (req: SignedRequest, secret: string): Promise<boolean> =>
  SignatureValidator.validate(req.body, [secret], req.headers['x-mollie-signature']).catch(() => false)

export default {
  provider: 'mollie',
  signer: '`mollie-api-typescript` `SignatureValidator.createSignature` (and `SignatureValidator.validate` accepts it)',
  secretSettings: (secrets) => ({ MOLLIE_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'mollie_whsec_current_0123456789', previous: 'mollie_whsec_previous_0123', wrong: 'mollie_whsec_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-mollie-signature',
  tamperBody: (b) => b.replace('"value": "24.95"', '"value": "2.49"'),
  nonTransaction: (b) => b.replace('"payment-link.paid"', '"profile.verified"'),
  unmappable: (b) => b.replace('"currency": "EUR"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'payment-link.paid',
    transaction_id: 'pl_qng5gbbv8NAZ5gpM5ZYgx',
    amount: 2495,
    currency: 'EUR',
    status: 'paid',
    payment_method: 'ideal',
    customer_id: null,
    timestamp: '2022-03-20T09:29:56.000Z',
    idempotency_key: 'event_GvJ8WHrp5isUdRub9CJyH',
  },
} satisfies ProviderCase
