/** Coinbase Commerce: signed by `coinbase-commerce-node`'s `Webhook.computeSignature`, checked by `verifySigHeader`. */
import { readFile } from 'node:fs/promises'
import coinbase from 'coinbase-commerce-node'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/coinbase.json', import.meta.url), 'utf8')

const { Webhook } = coinbase

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'x-cc-webhook-signature': Webhook.computeSignature(payload, secret) },
})

export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  try {
    return Webhook.verifySigHeader(req.body, req.headers['x-cc-webhook-signature'] ?? '', secret)
  } catch {
    return false
  }
}

export default {
  provider: 'coinbase',
  signer: '`coinbase-commerce-node` `Webhook.computeSignature` (verified by `verifySigHeader`; the SDK is archived)',
  secretSettings: (secrets) => ({ COINBASE_COMMERCE_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'cc-current-0123456789abcdef', previous: 'cc-previous-0123456789', wrong: 'cc-wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-cc-webhook-signature',
  tamperBody: (b) => b.replace('"local": { "amount": "100.00"', '"local": { "amount": "1.00"'),
  nonTransaction: (b) => b.replace('"charge:confirmed"', '"invoice:created"'),
  unmappable: (b) => b.replace('"amount": "100.00", "currency": "USD"', '"amount": "100.00", "currency": "ZZZ"'),
  expected: {
    event_type: 'charge:confirmed',
    transaction_id: '66BEOV2A',
    amount: 10000,
    currency: 'USD',
    status: 'succeeded',
    payment_method: 'ethereum',
    customer_id: 'id_1005',
    timestamp: '2017-01-31T20:50:02.000Z',
    idempotency_key: '24934862-d980-46cb-9402-43c81b0cdba6',
  },
} satisfies ProviderCase
