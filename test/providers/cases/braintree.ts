/**
 * Braintree: signed by the `braintree` SDK's own `webhookTesting.sampleSignature` (what its
 * `sampleNotification` signs with) over the base64 payload, posted as Braintree posts it; the SDK's
 * `webhookNotification.parse` verifies it. A secret is `<public key>:<private key>`.
 */
import { readFile } from 'node:fs/promises'
import braintree from 'braintree'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/braintree.xml', import.meta.url), 'utf8')

/** A gateway holding one API key pair (`<public>:<private>`); no request is ever made with it. */
export function gatewayFor(secret: string): braintree.BraintreeGateway {
  const [publicKey = '', privateKey = ''] = secret.split(':')
  return new braintree.BraintreeGateway({
    environment: braintree.Environment.Sandbox,
    merchantId: 'txgate_test_merchant',
    publicKey,
    privateKey,
  })
}

/** The POST body Braintree sends: the form fields, URL-encoded. */
export const form = (fields: { bt_signature?: string; bt_payload: string }): string =>
  new URLSearchParams(fields as Record<string, string>).toString()

const fields = (signed: string) => {
  const f = new URLSearchParams(signed)
  return { bt_signature: f.get('bt_signature') ?? '', bt_payload: f.get('bt_payload') ?? '' }
}

// base64 + "\n", as the SDK's sampleNotification builds bt_payload.
const encode = (xml: string) => `${Buffer.from(xml).toString('base64')}\n`
const decode = (payload: string) => Buffer.from(payload, 'base64').toString('utf8')

export const sign = (xml: string, { secret }: SignOptions) => {
  const bt_payload = encode(xml)
  return {
    body: form({ bt_signature: gatewayFor(secret).webhookTesting.sampleSignature(bt_payload), bt_payload }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }
}

export const sdkVerify = async (req: SignedRequest, secret: string): Promise<boolean> => {
  const { bt_signature, bt_payload } = fields(req.body)
  try {
    await gatewayFor(secret).webhookNotification.parse(bt_signature, bt_payload)
    return true
  } catch {
    return false
  }
}

export default {
  provider: 'braintree',
  signer: '`braintree` `webhookTesting.sampleSignature` (and `webhookNotification.parse` accepts it)',
  secretSettings: (secrets) => ({ BRAINTREE_API_KEYS: secrets.join(',') }),
  secrets: {
    current: 'current_public_key:current_private_key_0123456789',
    previous: 'previous_public_key:previous_private_key_0123456789',
    // The current public key with another private key.
    wrong: 'current_public_key:wrong_private_key_0123456789',
  },
  body,
  sign,
  sdkVerify,
  // The signature is a form field of the body; `braintree.test.ts` covers its absence.
  signatureHeader: undefined,
  tamperEmbeddedSignature: (signed) => {
    const f = fields(signed)
    const last = f.bt_signature.slice(-1)
    return form({ ...f, bt_signature: f.bt_signature.slice(0, -1) + (last === '0' ? '1' : '0') })
  },
  tamperBody: (signed) => {
    const f = fields(signed)
    return form({ ...f, bt_payload: encode(decode(f.bt_payload).replace('<amount>100</amount>', '<amount>1</amount>')) })
  },
  nonTransaction: (xml) => xml.replace('<kind>transaction_settled</kind>', '<kind>check</kind>'),
  unmappable: (xml) => xml.replace('<currency-iso-code>USD</currency-iso-code>', '<currency-iso-code>ZZZ</currency-iso-code>'),
  expected: {
    event_type: 'transaction_settled',
    transaction_id: 'txn_harness_0001',
    amount: 10000,
    currency: 'USD',
    status: 'settled',
    payment_method: 'bank_transfer',
    customer_id: null,
    timestamp: '2026-11-22T01:27:20.000Z',
    idempotency_key: 'transaction_settled:txn_harness_0001',
  },
} satisfies ProviderCase
