/** @module Stripe: `Stripe-Signature: t=…,v1=…`, HMAC-SHA256 hex over `t.body`; PaymentIntent and Charge events. */
import { z } from 'zod'
import { defineProvider, fromUnixSeconds, hmac } from '../src/provider/define.ts'

// https://docs.stripe.com/webhooks/signature — the whsec_ secret is used as is (not decoded);
// one v1 per valid secret while a secret is rolled. The SDK rejects only old timestamps.
const TRANSACTION_EVENTS = /^(payment_intent|charge)\.[a-z_.]+$/

const envelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  account: z.string().optional(),
  // Only its presence as an object matters here: the transaction schema checks its fields, and
  // walking every key twice on the hot path costs ~10 µs a webhook.
  data: z.object({ object: z.custom<Record<string, unknown>>(isPlainObject, 'expected an object') }),
})

const transaction = z.object({
  created: z.number().int(),
  data: z.object({
    object: z.object({
      id: z.string().min(1),
      object: z.enum(['payment_intent', 'charge']),
      amount: z.number().int(),
      amount_received: z.number().int().optional(),
      currency: z.string().length(3),
      status: z.string().min(1),
      created: z.number().int().optional(),
      customer: z.string().nullable().optional(),
      payment_method_types: z.array(z.string()).optional(),
      payment_method_details: z.object({ type: z.string() }).nullable().optional(),
    }),
  }),
})

export default defineProvider({
  id: 'stripe',
  name: 'Stripe',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'STRIPE_WEBHOOK_SECRET',
        header: 'stripe-signature',
        pairs: { timestamp: 't', signature: 'v1', separator: ',' },
        signed: '{timestamp}.{body}',
        // The platform's replay rule is ±5 min; Stripe's SDK accepts any future time, txgate does not.
        toleranceSec: 300,
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  // Stripe's event id is unique per event and reused on every retry of it.
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => TRANSACTION_EVENTS.test(type),
  transaction,
  map: ({ data: { object: o }, created }) => ({
    transactionId: o.id,
    occurredAt: fromUnixSeconds(o.created ?? created),
    amount: { minor: o.amount },
    currency: o.currency,
    status: o.status,
    paymentMethod: o.payment_method_details?.type ?? o.payment_method_types?.[0] ?? 'card',
    customerId: o.customer ?? null,
  }),
  rateLimit: { ratePerSec: 1000, burst: 2000 },
  // Dashboard → Payments → Export (unified_payments.csv), default columns: `id`, `Created (UTC)`
  // as "YYYY-MM-DD HH:mm:ss", `Amount` in major units ("10.99"), lower-case `Currency`, `Status`,
  // `Customer ID`. The export lists card payments and carries no payment-method column.
  batch: {
    format: 'csv',
    header_row: true,
    column_mapping: {
      transaction_id: 'id',
      timestamp: 'Created (UTC)',
      amount: 'Amount',
      currency: 'Currency',
      status: 'Status',
      customer_id: 'Customer ID',
    },
    transformations: { timestamp: 'format:YYYY-MM-DD HH:mm:ss', amount: 'decimal_to_minor' },
    defaults: { payment_method: 'card', event_type: 'payment' },
  },
})

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
