/** @module Checkout.com: `Cko-Signature` = hex HMAC-SHA256 of the raw body with the webhook's signature key; payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://www.checkout.com/docs/developer-resources/webhooks — nothing signs a time (Checkout.com
// retries a delivery up to 8 times with the same event `id`, which is the de-duplication key). The
// optional `Authorization` header a workflow can add is a static value, not a signature: not checked.
// Each event type names what happened to the payment; the payment keeps its id (`data.id`) across
// them, so one payment's events share a Kafka key and stay in order.
const STATUS: Record<string, string> = {
  payment_pending: 'pending',
  payment_approved: 'authorized',
  payment_captured: 'captured',
  payment_paid: 'succeeded',
  payment_declined: 'failed',
  payment_capture_declined: 'failed',
  payment_expired: 'expired',
  payment_canceled: 'canceled',
  payment_voided: 'voided',
  payment_refunded: 'refunded',
  payment_refund_declined: 'refund_failed',
  payment_returned: 'returned',
}

// `data.source.type` → the message's payment_method vocabulary (others kept as they are).
const METHOD: Record<string, string> = {
  applepay: 'wallet',
  googlepay: 'wallet',
  ach: 'bank_transfer',
  sepa: 'bank_transfer',
  bacs: 'bank_transfer',
}

const envelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
})

const transaction = z.object({
  type: z.string().min(1),
  // Most event types carry `created_on`; some carry `timestamp` instead (Checkout.com docs).
  created_on: z.string().min(1).optional(),
  timestamp: z.string().min(1).optional(),
  data: z.object({
    id: z.string().min(1),
    // Already in the currency's minor unit (Checkout.com's "amount in the minor currency unit").
    amount: z.number().int(),
    currency: z.string().length(3),
    processed_on: z.string().min(1).optional(),
    customer: z.object({ id: z.string().min(1) }).passthrough().nullable().optional(),
    source: z.object({ type: z.string().min(1) }).passthrough().nullable().optional(),
  }),
})

export default defineProvider({
  id: 'checkout',
  name: 'Checkout.com',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'CHECKOUT_SIGNATURE_KEY', header: 'cko-signature' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => type in STATUS,
  transaction,
  map: ({ type, created_on, timestamp, data: d }) => {
    const method = d.source?.type ?? 'card'
    const when = d.processed_on ?? created_on ?? timestamp
    return {
      transactionId: d.id,
      occurredAt: when === undefined ? undefined : parseRfc3339(when),
      amount: { minor: d.amount },
      currency: d.currency,
      status: STATUS[type] ?? type,
      paymentMethod: METHOD[method] ?? method,
      customerId: d.customer?.id ?? null,
    }
  },
  rateLimit: { ratePerSec: 200, burst: 400 },
})
