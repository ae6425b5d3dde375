/** @module Coinbase Commerce: `X-CC-Webhook-Signature` = hex HMAC-SHA256 of the raw body (shared secret); charge events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://docs.cdp.coinbase.com/commerce-onchain/docs/webhooks-security and coinbase-commerce-node
// lib/Webhook.js (computeSignature / verifySigHeader). One shared secret per endpoint, no signed
// time: replay protection is the de-duplication of the event id. Several comma-separated secrets
// are tried while a regenerated one rolls out.
const TRANSACTION_EVENTS = /^charge:(created|pending|confirmed|failed|delayed|resolved)$/

// The charge's event type is its state change; the message keeps the payments vocabulary.
const STATUS: Record<string, string> = {
  'charge:created': 'pending',
  'charge:pending': 'pending',
  'charge:confirmed': 'succeeded',
  'charge:resolved': 'succeeded',
  'charge:failed': 'failed',
  'charge:delayed': 'delayed',
}

const envelope = z.object({
  id: z.union([z.number(), z.string()]),
  event: z.object({
    id: z.string().min(1),
    type: z.string().min(1),
    created_at: z.string().min(1),
    data: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null, 'expected an object'),
  }),
})

const money = z.object({ amount: z.string().min(1), currency: z.string().length(3) })

const transaction = z.object({
  event: z.object({
    type: z.string().min(1),
    created_at: z.string().min(1),
    data: z.object({
      code: z.string().min(1),
      created_at: z.string().min(1),
      confirmed_at: z.string().nullable().optional(),
      // The fiat price the merchant set; the crypto amounts are not ISO 4217 currencies.
      pricing: z.object({ local: money }),
      metadata: z.object({ customer_id: z.string().min(1).optional() }).nullable().optional(),
      payments: z.array(z.object({ network: z.string().min(1) })).optional(),
    }),
  }),
})

export default defineProvider({
  id: 'coinbase',
  name: 'Coinbase Commerce',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'COINBASE_COMMERCE_WEBHOOK_SECRET', header: 'x-cc-webhook-signature' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event.type,
  // The outer id counts deliveries of one event; event.id is the event, the same on every retry.
  idempotencyKey: (e) => e.event.id,
  isTransaction: (type) => TRANSACTION_EVENTS.test(type),
  transaction,
  map: ({ event: { type, created_at, data: c } }) => ({
    transactionId: c.code,
    occurredAt: parseRfc3339(c.confirmed_at ?? created_at),
    amount: { decimal: c.pricing.local.amount },
    currency: c.pricing.local.currency,
    status: STATUS[type] ?? type.slice('charge:'.length),
    paymentMethod: c.payments?.[0]?.network ?? 'crypto',
    customerId: c.metadata?.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 100, burst: 200 },
})
