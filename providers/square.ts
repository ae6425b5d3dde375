/** @module Square: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 of (notification URL + body); payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339, type BatchMapping } from '../src/provider/define.ts'

// https://developer.squareup.com/docs/webhooks/step3validate — the URL is the subscription's
// notification URL exactly as registered (behind a proxy the request's own URL differs, so it is a
// setting). Nothing signs a time: replays are caught as duplicates of `event_id`.
const TRANSACTION_EVENTS = new Set(['payment.created', 'payment.updated'])

// Square's `payment.status` → the message's vocabulary.
const STATUS: Record<string, string> = {
  APPROVED: 'authorized',
  PENDING: 'pending',
  COMPLETED: 'succeeded',
  CANCELED: 'canceled',
  FAILED: 'failed',
}

const envelope = z.object({
  type: z.string().min(1),
  event_id: z.string().min(1),
  created_at: z.string().min(1),
  data: z.object({ object: z.record(z.string(), z.unknown()).optional() }).passthrough(),
})

const transaction = z.object({
  data: z.object({
    object: z.object({
      payment: z.object({
        id: z.string().min(1),
        created_at: z.string().min(1),
        updated_at: z.string().min(1).optional(),
        // Square's Money is already an integer in the currency's smallest unit.
        amount_money: z.object({ amount: z.number().int(), currency: z.string().length(3) }),
        status: z.string().min(1),
        source_type: z.string().min(1).optional(),
        customer_id: z.string().min(1).optional(),
      }),
    }),
  }),
})

// A payout's entries (Payouts API `GET /v2/payouts/{payout_id}/payout-entries`;
// https://developer.squareup.com/docs/payouts-api/list-payout-entries and the PayoutEntry object):
// the `payout_entries` one per line (`jq -c '.payout_entries[]'`). `gross_amount_money.amount` is
// already in the currency's smallest unit and negative for money going out (a REFUND is -5000);
// `type` (CHARGE, REFUND, FEE, ADJUSTMENT, DISPUTE …) is the status, lower-cased, as nothing else
// carries one. An entry names no payment method; the payment it belongs to
// (`type_charge_details.payment_id`, `type_refund_details.payment_id`) stays in raw_payload.
const batch: BatchMapping = {
  format: 'ndjson',
  column_mapping: {
    transaction_id: 'id',
    timestamp: 'effective_at',
    amount: 'gross_amount_money.amount',
    currency: 'gross_amount_money.currency_code',
    status: 'type',
    event_type: 'type',
  },
  transformations: { timestamp: 'iso8601', amount: 'keep_as_integer' },
  defaults: { payment_method: 'unknown' },
}

export default defineProvider({
  id: 'square',
  name: 'Square',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'SQUARE_SIGNATURE_KEY',
        header: 'x-square-hmacsha256-signature',
        encoding: 'base64',
        signed: '{url}{body}',
        urlFrom: 'SQUARE_NOTIFICATION_URL',
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  idempotencyKey: (e) => e.event_id,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ data: { object: { payment: p } } }) => ({
    transactionId: p.id,
    occurredAt: parseRfc3339(p.updated_at ?? p.created_at),
    amount: { minor: p.amount_money.amount },
    currency: p.amount_money.currency,
    status: STATUS[p.status] ?? p.status.toLowerCase(),
    paymentMethod: p.source_type === undefined || p.source_type === 'CARD' ? 'card' : p.source_type.toLowerCase(),
    customerId: p.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
  batch,
})
