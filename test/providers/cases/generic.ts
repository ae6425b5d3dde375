/** Generic: Standard Webhooks, signed by the `standardwebhooks` reference library. */
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

/** The flat shape (the shared generic.json fixture is a different harness event). */
export const event = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    event_id: 'evt_0192f3a1',
    event_type: 'payment.succeeded',
    transaction_id: 'txn_7781',
    timestamp: '2026-11-22T11:59:30Z',
    amount: 2599,
    currency: 'eur',
    status: 'SUCCEEDED',
    payment_method: 'card',
    customer_id: 'cus_42',
    ...over,
  })

export const whsec = () => `whsec_${randomBytes(24).toString('base64')}`
export const current = whsec()
export const previous = whsec()

/** Signed by the Standard Webhooks reference library, not by our code. */
export const signStandard = (payload: string, { secret, at }: SignOptions) => {
  let id = 'msg_unparsed' // a body that does not parse has no event_id: a fixed message id
  try {
    id = `msg_${(JSON.parse(payload) as { event_id?: string }).event_id ?? 'none'}`
  } catch {}
  return {
    body: payload,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': new Webhook(secret).sign(id, new Date(at * 1000), payload),
    },
  }
}

export default {
  provider: 'generic',
  signer: '`standardwebhooks` `Webhook.sign` (Svix-signed and JWT in generic.test.ts)',
  secretSettings: (secrets) => ({ GENERIC_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current, previous, wrong: whsec() },
  body: event(),
  sign: signStandard,
  signatureHeader: 'webhook-signature',
  requiredHeaders: ['webhook-signature', 'webhook-id', 'webhook-timestamp'],
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"amount":2599', '"amount":1'),
  nonTransaction: (b) => b.replace('"payment.succeeded"', '"system.ping"'),
  unmappable: (b) => b.replace('"currency":"eur"', '"currency":"zzz"'),
  expected: {
    event_type: 'payment.succeeded',
    transaction_id: 'txn_7781',
    amount: 2599,
    currency: 'EUR',
    status: 'succeeded',
    payment_method: 'card',
    customer_id: 'cus_42',
    timestamp: '2026-11-22T11:59:30.000Z',
    idempotency_key: 'evt_0192f3a1',
  },
} satisfies ProviderCase
