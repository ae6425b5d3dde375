/** @module Standard Webhooks: any sender following the spec (`{type, timestamp, data}` signed `v1,<base64>`); data = one transaction. */
import { z } from 'zod'
import { defineProvider, parseTimestamp, standardWebhooks } from '../src/provider/define.ts'

// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
// Headers webhook-id/-timestamp/-signature (the svix- names too), HMAC-SHA256 over
// `id.timestamp.body` keyed by a base64 `whsec_` secret, ±5 min; several space-separated
// signatures and several configured secrets make rotation. The asymmetric `v1a` (ed25519) is not
// verified. The spec fixes the envelope, not `data`: this module reads `data` as the flat
// transaction the `generic` provider takes (`generic` keeps its own flat body and its JWT/HMAC
// alternatives unchanged).
const NOT_A_TRANSACTION = /^(ping|test|(system|test)\..+)$/

const envelope = z.object({
  type: z.string().min(1).max(200),
  timestamp: z.string().min(1),
  data: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object'),
})

const transaction = z.object({
  timestamp: z.string().min(1),
  data: z.object({
    transaction_id: z.string().min(1),
    timestamp: z.union([z.string().min(1), z.number().nonnegative()]).optional(),
    // An integer is minor units, a decimal string ("42.50") major units, converted exactly.
    amount: z.union([z.number().int(), z.string().regex(/^-?\d+(\.\d+)?$/, 'not a decimal string')]),
    currency: z.string().length(3),
    status: z.string().min(1),
    payment_method: z.string().min(1),
    customer_id: z.string().min(1).nullable().optional(),
  }),
})

export default defineProvider({
  id: 'standard-webhooks',
  name: 'Standard Webhooks sender',
  auth: { mode: 'any', schemes: [standardWebhooks({ secret: 'STANDARD_WEBHOOKS_SECRET', toleranceSec: 300 })] },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  // The spec: webhook-id is the message's unique id, the same on every retry — the de-dup key.
  idempotencyKey: (e, { headers }) =>
    headers.get('webhook-id') ?? headers.get('svix-id') ?? `${e.type}:${e.timestamp}`,
  isTransaction: (type) => !NOT_A_TRANSACTION.test(type),
  transaction,
  map: ({ timestamp, data: t }) => ({
    transactionId: t.transaction_id,
    occurredAt: parseTimestamp(t.timestamp ?? timestamp),
    amount: typeof t.amount === 'number' ? { minor: t.amount } : { decimal: t.amount },
    currency: t.currency,
    status: t.status,
    paymentMethod: t.payment_method,
    customerId: t.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 1000, burst: 2000 },
})
