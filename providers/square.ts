/** @module Square: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 of (notification URL + body); payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

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
})
