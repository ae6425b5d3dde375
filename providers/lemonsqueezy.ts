/** @module Lemon Squeezy: `X-Signature` = hex HMAC-SHA256 of the raw body keyed by the webhook's signing secret; orders and subscription invoices. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://docs.lemonsqueezy.com/help/webhooks/signing-requests — the signing secret is the one set
// on the webhook (Settings → Webhooks). Nothing signs a time, so there is no replay window: a
// replay is caught by de-duplication. Several comma-separated secrets are tried while one changes.
// Bodies are JSON:API: `meta.event_name` + `data: {type, id, attributes}`.
const TRANSACTION_EVENTS = new Set([
  'order_created',
  'order_refunded',
  'subscription_payment_success',
  'subscription_payment_failed',
  'subscription_payment_recovered',
  'subscription_payment_refunded',
])

// Order and subscription-invoice statuses → the message's lower-case vocabulary.
const STATUS: Record<string, string> = {
  paid: 'succeeded',
  pending: 'pending',
  failed: 'failed',
  refunded: 'refunded',
  partial_refund: 'partially_refunded',
  void: 'canceled',
}

const envelope = z.object({
  meta: z.object({ event_name: z.string().min(1) }).passthrough(),
  data: z.object({ type: z.string().min(1), id: z.string().min(1) }).passthrough(),
})

const transaction = z.object({
  data: z.object({
    id: z.string().min(1),
    attributes: z.object({
      // Lemon Squeezy amounts are integers in the currency's minor unit (999 = $9.99).
      total: z.number().int().nonnegative(),
      currency: z.string().length(3),
      status: z.string().min(1),
      created_at: z.string().min(1),
      customer_id: z.number().int().nullable().optional(),
      card_brand: z.string().nullable().optional(),
    }).passthrough(),
  }),
})

export default defineProvider({
  id: 'lemonsqueezy',
  name: 'Lemon Squeezy',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'LEMONSQUEEZY_SIGNING_SECRET', header: 'x-signature', hash: 'SHA-256', encoding: 'hex' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.meta.event_name,
  // No event id in the body; each event name happens once per order / invoice id.
  idempotencyKey: (e) => `${e.meta.event_name}:${e.data.type}:${e.data.id}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ data: d }) => ({
    transactionId: d.id,
    occurredAt: parseRfc3339(d.attributes.created_at),
    amount: { minor: d.attributes.total },
    currency: d.attributes.currency,
    status: STATUS[d.attributes.status] ?? d.attributes.status,
    paymentMethod: d.attributes.card_brand ? 'card' : 'unknown',
    customerId: d.attributes.customer_id == null ? null : String(d.attributes.customer_id),
  }),
  rateLimit: { ratePerSec: 100, burst: 200 },
})
