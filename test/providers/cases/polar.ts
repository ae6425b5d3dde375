/**
 * Polar: signed by `standardwebhooks` `Webhook.sign` keyed as Polar keys it (the SDK base64-encodes
 * the raw secret), checked by `@polar-sh/sdk` `validateEvent`, the SDK's own verifier.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { validateEvent, WebhookVerificationError } from '@polar-sh/sdk/webhooks'
import { Webhook } from 'standardwebhooks'
import { vi } from 'vitest'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/polar.json', import.meta.url), 'utf8')

/** A message id derived from the body: one body is one message, retried with the same id. */
const messageId = (payload: string) => `msg_${createHash('sha256').update(payload).digest('hex').slice(0, 27)}`

export const sign = (payload: string, { secret, at }: SignOptions) => {
  const id = messageId(payload)
  const webhook = new Webhook(Buffer.from(secret, 'utf8').toString('base64'))
  return {
    body: payload,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': webhook.sign(id, new Date(at * 1000), payload),
    },
  }
}

/**
 * validateEvent verifies the signature and its own ±5 min against Date.now() (the SDK is told the
 * request arrived when signed: the gateway's test clock is not the SDK's), then parses the event
 * into its model. Only a WebhookVerificationError is a refused signature; a model parse error
 * comes after the signature passed.
 */
export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  vi.useFakeTimers({ now: Number(req.headers['webhook-timestamp']) * 1000, toFake: ['Date'] })
  try {
    validateEvent(req.body, req.headers, secret)
    return true
  } catch (error) {
    return !(error instanceof WebhookVerificationError)
  } finally {
    vi.useRealTimers()
  }
}

export default {
  provider: 'polar',
  signer: '`standardwebhooks` `Webhook.sign` keyed as Polar keys it (verified by `@polar-sh/sdk` `validateEvent`)',
  secretSettings: (secrets) => ({ POLAR_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'polar_whs_current0123456789abcdef', previous: 'polar_whs_previous0123456789', wrong: 'polar_whs_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'webhook-signature',
  requiredHeaders: ['webhook-signature', 'webhook-id', 'webhook-timestamp'],
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"total_amount": 2400', '"total_amount": 24'),
  nonTransaction: (b) => b.replace('"order.paid"', '"customer.updated"'),
  unmappable: (b) => b.replace('"currency": "eur"', '"currency": "zzz"'),
  expected: {
    event_type: 'order.paid',
    transaction_id: '5b4fa0d4-2d7e-4cc1-8a1c-3a2f0f3c9e51',
    amount: 2400,
    currency: 'EUR',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: '992fae2a-2a17-4b7a-8d9d-e734ea5a6f2b',
    timestamp: '2025-06-12T09:31:05.811Z',
  },
} satisfies ProviderCase
