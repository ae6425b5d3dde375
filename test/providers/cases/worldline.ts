/** Worldline Direct: its SDK has no signer, so node:crypto signs as Worldline's docs show; `onlinepayments-sdk-nodejs` `webhooks.unmarshal` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { webhooks } from 'onlinepayments-sdk-nodejs'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/worldline.json', import.meta.url), 'utf8')

export const keyId = 'txgate-test-key'

export const signature = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64')

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: payload,
  headers: { 'x-gcs-signature': signature(payload, secret), 'x-gcs-keyid': keyId },
})

// The SDK resolves the secret by X-GCS-KeyId through a key store, then rejects on a mismatch.
export const sdkVerify = async (req: SignedRequest, secret: string): Promise<boolean> => {
  const helper = webhooks.init({ getSecretKey: async () => secret })
  return helper.unmarshal(req.body, req.headers).then(
    () => true,
    () => false,
  )
}

export default {
  provider: 'worldline',
  signer: 'node:crypto (`onlinepayments-sdk-nodejs` has no signer; `webhooks.unmarshal` accepts it)',
  secretSettings: (secrets) => ({ WORLDLINE_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'wl-secret-current-0123456789', previous: 'wl-secret-previous-01234', wrong: 'wl-secret-wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-gcs-signature',
  tamperBody: (b) => b.replace('"amount": 1000,', '"amount": 1,'),
  nonTransaction: (b) => b.replace('"payment.captured"', '"payment.created"'),
  unmappable: (b) => b.replaceAll('"currencyCode": "EUR"', '"currencyCode": "ZZZ"'),
  expected: {
    event_type: 'payment.captured',
    transaction_id: '3066019730_0',
    amount: 1000,
    currency: 'EUR',
    status: 'captured',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2020-12-09T10:20:03.754Z',
    idempotency_key: '34b8a607-1fce-4003-b3ae-a4d29e92b232',
  },
} satisfies ProviderCase
