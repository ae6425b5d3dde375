/** Paddle Billing: the SDK has no signer, so node:crypto signs as Paddle's docs show; `webhooks.isSignatureValid` checks it. */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Paddle } from '@paddle/paddle-node-sdk'
import { vi } from 'vitest'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const body = await readFile(new URL('../../fixtures/providers/paddle.json', import.meta.url), 'utf8')

export const sign = (payload: string, { secret, at }: SignOptions) => ({
  body: payload,
  headers: { 'paddle-signature': `ts=${at};h1=${createHmac('sha256', secret).update(`${at}:${payload}`).digest('hex')}` },
})

const paddle = new Paddle('pdl_test_apikey_txgate')

// The SDK checks its 5 s window against the wall clock; the suite signs at its own fixed clock, so
// the SDK runs with Date set to the signed time (only Date is faked, and restored right after).
export const sdkVerify = async (req: SignedRequest, secret: string): Promise<boolean> => {
  const header = req.headers['paddle-signature'] ?? ''
  const ts = Number(/ts=(\d+)/.exec(header)?.[1] ?? 0)
  vi.useFakeTimers({ now: ts * 1000, toFake: ['Date'] })
  try {
    return await paddle.webhooks.isSignatureValid(req.body, secret, header)
  } finally {
    vi.useRealTimers()
  }
}

export default {
  provider: 'paddle',
  signer: 'node:crypto (`@paddle/paddle-node-sdk` has no signer; verified by `webhooks.isSignatureValid`)',
  secretSettings: (secrets) => ({ PADDLE_WEBHOOK_SECRET: secrets.join(',') }),
  secrets: { current: 'pdl_ntfset_current_0123456789', previous: 'pdl_ntfset_previous_0123', wrong: 'pdl_ntfset_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'paddle-signature',
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"grand_total": "65215"', '"grand_total": "1"'),
  nonTransaction: (b) => b.replace('"transaction.completed"', '"customer.created"'),
  unmappable: (b) => b.replaceAll('"currency_code": "USD"', '"currency_code": "ZZZ"'),
  expected: {
    event_type: 'transaction.completed',
    transaction_id: 'txn_01h8dzxgkvdwemdhbpcapj2tbj',
    amount: 65215,
    currency: 'USD',
    status: 'completed',
    payment_method: 'card',
    customer_id: 'ctm_01h8e18bxp9hby49dnm8ewf0m0',
    timestamp: '2023-08-22T07:15:44.296Z',
    idempotency_key: 'evt_01h8e1jxjnw9ra6zarhnz1a7y1',
  },
} satisfies ProviderCase
