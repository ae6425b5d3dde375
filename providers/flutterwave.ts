/** @module Flutterwave: `flutterwave-signature` = base64 HMAC-SHA256 of the raw body keyed by the dashboard's secret hash; charge.completed. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://developer.flutterwave.com/docs/webhooks — the key is the "secret hash" the merchant sets
// in Dashboard → Settings → Webhooks (not the API secret key). Nothing signs a time: a replay is
// caught by de-duplication. The legacy `verif-hash` header (the secret hash itself, sent in the
// clear, no body binding) is not accepted. Several comma-separated hashes are tried while one is
// changed.
const TRANSACTION_EVENTS = new Set(['charge.completed'])

const STATUS: Record<string, string> = { successful: 'succeeded', failed: 'failed', pending: 'pending' }

const envelope = z.object({
  event: z.string().min(1),
  data: z.object({ id: z.union([z.number().int(), z.string().min(1)]), status: z.string().optional() }).passthrough(),
})

const transaction = z.object({
  data: z.object({
    id: z.union([z.number().int(), z.string().min(1)]),
    // Flutterwave amounts are major units (100 = ₦100.00), as JSON numbers.
    amount: z.number().nonnegative(),
    currency: z.string().length(3),
    status: z.string().min(1),
    payment_type: z.string().min(1).optional(),
    created_at: z.string().min(1),
    customer: z.object({ id: z.union([z.number().int(), z.string().min(1)]) }).nullable().optional(),
  }),
})

export default defineProvider({
  id: 'flutterwave',
  name: 'Flutterwave',
  auth: {
    mode: 'any',
    schemes: [
      hmac({ secret: 'FLUTTERWAVE_SECRET_HASH', header: 'flutterwave-signature', hash: 'SHA-256', encoding: 'base64' }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event,
  // No event id; a charge is reported once per status it reaches.
  idempotencyKey: (e) => `${e.event}:${String(e.data.id)}:${e.data.status ?? ''}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ data: d }) => ({
    transactionId: String(d.id),
    occurredAt: parseRfc3339(d.created_at),
    // A JSON number's shortest decimal form is the digits Flutterwave sent ("100", "54.3"); the
    // core converts it exactly, and refuses more decimals than the currency has.
    amount: { decimal: String(d.amount) },
    currency: d.currency,
    status: STATUS[d.status] ?? d.status,
    paymentMethod: d.payment_type ?? 'card',
    customerId: d.customer ? String(d.customer.id) : null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
