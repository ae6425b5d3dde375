/** Standard Webhooks: signed by the spec's reference library `standardwebhooks`, checked by its `verify`. */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Webhook } from 'standardwebhooks'
import { vi } from 'vitest'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/standard-webhooks.json', import.meta.url), 'utf8')

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`
/** One body is one message: its id is derived from the body and kept on retries. */
const messageId = (payload: string) => `msg_${createHash('sha256').update(payload).digest('hex').slice(0, 27)}`

export const sign = (payload: string, { secret, at }: SignOptions) => {
  const id = messageId(payload)
  return {
    body: payload,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': new Webhook(secret).sign(id, new Date(at * 1000), payload),
    },
  }
}

/** The library checks ±5 min against Date.now(); it is told the request arrived when signed. */
export const sdkVerify = (req: SignedRequest, secret: string): boolean => {
  vi.useFakeTimers({ now: Number(req.headers['webhook-timestamp']) * 1000, toFake: ['Date'] })
  try {
    new Webhook(secret).verify(req.body, req.headers)
    return true
  } catch {
    return false
  } finally {
    vi.useRealTimers()
  }
}

export default {
  provider: 'standard-webhooks',
  signer: '`standardwebhooks` `Webhook.sign` (verified by `Webhook.verify`)',
  secretSettings: (secrets) => ({ STANDARD_WEBHOOKS_SECRET: secrets.join(',') }),
  secrets: { current: whsec(), previous: whsec(), wrong: whsec() },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'webhook-signature',
  requiredHeaders: ['webhook-signature', 'webhook-id', 'webhook-timestamp'],
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"amount": "42.50"', '"amount": "0.50"'),
  nonTransaction: (b) => b.replace('"payment.succeeded"', '"system.ping"'),
  unmappable: (b) => b.replace('"currency": "gbp"', '"currency": "zzz"'),
  expected: {
    event_type: 'payment.succeeded',
    transaction_id: 'pay_2Hx9QmT4',
    amount: 4250,
    currency: 'GBP',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: 'cus_881',
    timestamp: '2026-11-22T11:59:30.000Z',
  },
} satisfies ProviderCase
