/** @module Polar: Standard Webhooks headers, the secret's own bytes as the HMAC key; order events. */
import { z } from 'zod'
import { defineProvider, parseRfc3339, standardWebhooks } from '../src/provider/define.ts'

// https://docs.polar.sh/integrate/webhooks/delivery — Standard Webhooks (webhook-id/-timestamp/
// -signature `v1,<base64>` over `id.timestamp.body`, ±5 min), but @polar-sh/sdk's validateEvent
// base64-encodes the secret it is given, so the key is the secret string's UTF-8 bytes, not a
// decoded `whsec_`. Several comma-separated secrets are tried while one is regenerated.
const TRANSACTION_EVENTS = new Set(['order.created', 'order.paid', 'order.updated', 'order.refunded'])

// Polar's order status → the message's vocabulary.
const STATUS: Record<string, string> = {
  pending: 'pending',
  paid: 'succeeded',
  refunded: 'refunded',
  partially_refunded: 'partially_refunded',
  void: 'voided',
}

const envelope = z.object({
  type: z.string().min(1),
  timestamp: z.string().min(1),
  data: z.object({ id: z.string().min(1) }).passthrough(),
})

const transaction = z.object({
  timestamp: z.string().min(1),
  data: z.object({
    id: z.string().min(1),
    created_at: z.string().min(1),
    status: z.string().min(1),
    // Polar amounts are integers in the currency's minor unit; currency is lower case.
    total_amount: z.number().int(),
    currency: z.string().length(3),
    customer_id: z.string().min(1).nullable().optional(),
  }),
})

export default defineProvider({
  id: 'polar',
  name: 'Polar',
  auth: {
    mode: 'any',
    schemes: [standardWebhooks({ secret: 'POLAR_WEBHOOK_SECRET', toleranceSec: 300, keyEncoding: 'utf8' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  // The body has no event id; webhook-id is the message's, the same on every retry (the spec).
  idempotencyKey: (e, { headers }) => headers.get('webhook-id') ?? `${e.type}:${e.data.id}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ data: o }) => ({
    transactionId: o.id,
    occurredAt: parseRfc3339(o.created_at),
    amount: { minor: o.total_amount },
    currency: o.currency,
    status: STATUS[o.status] ?? o.status,
    // Polar is the merchant of record and charges cards through Stripe; orders name no method.
    paymentMethod: 'card',
    customerId: o.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 100, burst: 200 },
})
