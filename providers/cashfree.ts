/** @module Cashfree Payments: `x-webhook-signature` = base64 HMAC-SHA256 of (`x-webhook-timestamp` + body) keyed by the client secret; payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// Cashfree PG docs, Webhooks → signature verification, and the official SDK's
// `PGVerifyWebhookSignature` (cashfree-pg): the signed bytes are the timestamp header's value
// followed by the raw body, the key is the app's client secret (x-client-secret). The timestamp is
// in milliseconds and the SDK never checks it; txgate applies ±300 s, as for every signed time.
// Several comma-separated secrets are tried while a secret key is regenerated.
const TRANSACTION_EVENTS = new Set(['PAYMENT_SUCCESS_WEBHOOK', 'PAYMENT_FAILED_WEBHOOK', 'PAYMENT_USER_DROPPED_WEBHOOK'])

const STATUS: Record<string, string> = {
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  USER_DROPPED: 'canceled',
  PENDING: 'pending',
  CANCELLED: 'canceled',
}

// Cashfree's `payment_group` → the message's payment_method vocabulary (others kept as they are).
const METHOD: Record<string, string> = {
  credit_card: 'card',
  debit_card: 'card',
  prepaid_card: 'card',
  net_banking: 'bank_transfer',
  bank_transfer: 'bank_transfer',
}

const envelope = z.object({
  type: z.string().min(1),
  event_time: z.string().min(1),
  data: z.object({ payment: z.object({ cf_payment_id: z.union([z.number(), z.string().min(1)]) }).passthrough().optional() }).passthrough(),
})

const transaction = z.object({
  event_time: z.string().min(1),
  data: z.object({
    payment: z.object({
      cf_payment_id: z.union([z.number().int(), z.string().min(1)]),
      payment_status: z.string().min(1),
      // Major units as a JSON number (1 = ₹1.00); its shortest decimal form is converted exactly.
      payment_amount: z.number().finite(),
      payment_currency: z.string().length(3),
      payment_time: z.string().min(1).nullable().optional(),
      payment_group: z.string().min(1).nullable().optional(),
    }),
    customer_details: z.object({ customer_id: z.string().min(1).nullable().optional() }).passthrough().optional(),
  }),
})

export default defineProvider({
  id: 'cashfree',
  name: 'Cashfree Payments',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'CASHFREE_CLIENT_SECRET',
        header: 'x-webhook-signature',
        encoding: 'base64',
        timestampHeader: 'x-webhook-timestamp',
        timestampUnit: 'auto',
        signed: '{timestamp}{body}',
        toleranceSec: 300,
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  // One event per payment and outcome; Cashfree's retries repeat both.
  idempotencyKey: (e) => `${e.type}:${String(e.data.payment?.cf_payment_id ?? '')}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ event_time, data: { payment: p, customer_details } }) => ({
    transactionId: String(p.cf_payment_id),
    occurredAt: parseRfc3339(p.payment_time ?? event_time),
    amount: { decimal: String(p.payment_amount) },
    currency: p.payment_currency,
    status: STATUS[p.payment_status] ?? p.payment_status.toLowerCase(),
    // UPI's VPA (`payment_method.upi.upi_id`) and the bank's UTR (`bank_reference`) stay in raw_payload.
    paymentMethod: p.payment_group ? (METHOD[p.payment_group] ?? p.payment_group) : 'unknown',
    customerId: customer_details?.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
