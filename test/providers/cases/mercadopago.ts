/** Mercado Pago: the SDK has no signer, so node:crypto signs the documented manifest; the `mercadopago` SDK's `WebhookSignatureValidator.validate` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { WebhookSignatureValidator } from 'mercadopago'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

/** Mercado Pago's documented payment notification (Webhooks page): ids only. */
export const body = await readFile(new URL('../../fixtures/providers/mercadopago.json', import.meta.url), 'utf8')

export const requestId = 'bb56a2f1-6aae-46ac-982e-9dcd3581d08e'

const dataId = (payload: string): string | undefined => {
  try {
    const id = (JSON.parse(payload) as { data?: { id?: string | number } }).data?.id
    return id === undefined ? undefined : String(id)
  } catch {
    return undefined
  }
}

/** The manifest as the docs define it: absent parts left out, data.id lower-cased. */
export const manifest = (id: string | undefined, reqId: string | undefined, ts: string | number) =>
  `${id ? `id:${id.toLowerCase()};` : ''}${reqId ? `request-id:${reqId};` : ''}ts:${ts};`

export const signature = (m: string, secret: string) => createHmac('sha256', secret).update(m).digest('hex')

export const sign = (payload: string, { secret, at }: SignOptions) => ({
  body: payload,
  headers: {
    'x-signature': `ts=${at},v1=${signature(manifest(dataId(payload), requestId, at), secret)}`,
    'x-request-id': requestId,
  },
})

// The SDK takes data.id from the URL's query; the suite posts without one, and txgate then reads
// the body's (the same value Mercado Pago puts in both). Its clock is set to the signed time.
export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  const xSignature = req.headers['x-signature']
  const ts = Number(/ts=(\d+)/.exec(xSignature ?? '')?.[1] ?? 0)
  try {
    WebhookSignatureValidator.validate({
      xSignature,
      xRequestId: req.headers['x-request-id'],
      dataId: dataId(req.body),
      secret,
      toleranceSeconds: 300,
      now: () => ts * 1000,
    })
    return true
  } catch {
    return false
  }
}

export default {
  provider: 'mercadopago',
  signer: 'node:crypto (`mercadopago` has no signer; `WebhookSignatureValidator.validate` accepts it)',
  secretSettings: (secrets) => ({ MERCADOPAGO_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'mp-secret-current-0123456789abcdef', previous: 'mp-secret-previous-0123456', wrong: 'mp-secret-wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-signature',
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"data": {\n    "id": "123456"', '"data": {\n    "id": "654321"'),
  nonTransaction: (b) => b.replace('"action": "payment.updated"', '"action": "card.updated"').replace('"type": "payment"', '"type": "automatic-payments"'),
  // Without data.id there is not even a resource to name: the shape check sends it to the DLQ.
  unmappable: (b) => b.replace('"data": {\n    "id": "123456"\n  },', '"data": {},'),
  idsOnly: /carry only ids: fetch GET \/v1\/payments\/123456 /,
  expected: { event_type: 'payment.updated', transaction_id: '123456', idempotency_key: '123456' },
} satisfies ProviderCase
