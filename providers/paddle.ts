/** @module Paddle Billing: `Paddle-Signature: ts=…;h1=…` = hex HMAC-SHA256 of `ts:body`; transaction events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://developer.paddle.com/webhooks/signature-verification — several h1 entries while a
// secret rotates (any one verifies). Paddle's SDK allows only 5 s of clock skew; txgate applies its
// ±300 s rule, as for every provider that signs a time.
const TRANSACTION_EVENTS = new Set(['transaction.completed', 'transaction.paid'])

const envelope = z.object({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  occurred_at: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
})

const transaction = z.object({
  occurred_at: z.string().min(1),
  data: z.object({
    id: z.string().min(1),
    status: z.string().min(1),
    customer_id: z.string().min(1).nullable().optional(),
    billed_at: z.string().min(1).nullable().optional(),
    details: z.object({
      // Paddle's totals are strings of minor units.
      totals: z.object({ grand_total: z.string().regex(/^-?\d+$/), currency_code: z.string().length(3) }),
    }),
    payments: z
      .array(z.object({ status: z.string(), method_details: z.object({ type: z.string().min(1) }).nullable().optional() }))
      .optional(),
  }),
})

export default defineProvider({
  id: 'paddle',
  name: 'Paddle Billing',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'PADDLE_WEBHOOK_SECRET',
        header: 'paddle-signature',
        pairs: { timestamp: 'ts', signature: 'h1', separator: ';' },
        signed: '{timestamp}:{body}',
        toleranceSec: 300,
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event_type,
  idempotencyKey: (e) => e.event_id,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ occurred_at, data: d }) => ({
    transactionId: d.id,
    occurredAt: parseRfc3339(d.billed_at ?? occurred_at),
    amount: { minor: d.details.totals.grand_total },
    currency: d.details.totals.currency_code,
    status: d.status,
    // The payment attempt that captured it (earlier attempts may have failed).
    paymentMethod: d.payments?.find((p) => p.status === 'captured')?.method_details?.type ?? 'card',
    customerId: d.customer_id ?? null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
