/** @module Paystack: `x-paystack-signature` = hex HMAC-SHA512 of the raw body keyed by the secret key; charge events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://paystack.com/docs/payments/webhooks — the key is the account's API secret key
// (sk_live_…); there is no separate webhook secret and no signed time, so replay protection is the
// event de-duplication. Comma-separated keys are all tried while a regenerated key rolls out.
const TRANSACTION_EVENTS = new Set(['charge.success'])

// Paystack's own vocabulary for a charge (`data.status`) → the message's.
const STATUS: Record<string, string> = {
  success: 'succeeded',
  failed: 'failed',
  abandoned: 'canceled',
  reversed: 'reversed',
  ongoing: 'pending',
  pending: 'pending',
  processing: 'pending',
  queued: 'pending',
}

const envelope = z.object({
  event: z.string().min(1),
  data: z.object({ id: z.union([z.number().int(), z.string().min(1)]) }).passthrough(),
})

const transaction = z.object({
  data: z.object({
    id: z.union([z.number().int(), z.string().min(1)]),
    reference: z.string().min(1),
    status: z.string().min(1),
    // Paystack amounts are already in the currency's subunit (kobo, pesewas, cents).
    amount: z.number().int(),
    currency: z.string().length(3),
    paid_at: z.string().nullable().optional(),
    created_at: z.string().min(1),
    channel: z.string().min(1).optional(),
    customer: z.object({ customer_code: z.string().min(1).optional() }).nullable().optional(),
  }),
})

export default defineProvider({
  id: 'paystack',
  name: 'Paystack',
  auth: {
    mode: 'any',
    schemes: [
      hmac({ secret: 'PAYSTACK_SECRET_KEY', header: 'x-paystack-signature', hash: 'SHA-512', encoding: 'hex' }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event,
  // No event id: one transaction has one charge.success, retried with the same body.
  idempotencyKey: (e) => `${e.event}:${String(e.data.id)}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ data: d }) => ({
    transactionId: d.reference,
    occurredAt: parseRfc3339(d.paid_at ?? d.created_at),
    amount: { minor: d.amount },
    currency: d.currency,
    status: STATUS[d.status] ?? d.status,
    paymentMethod: d.channel ?? 'card',
    customerId: d.customer?.customer_code ?? null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
