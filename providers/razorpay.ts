/** @module Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body with the webhook secret; payment and refund events. */
import { z } from 'zod'
import { defineProvider, fromUnixSeconds, hmac, type BatchMapping } from '../src/provider/define.ts'

// https://razorpay.com/docs/webhooks/validate-test — no signed time. The de-duplication key comes
// from the signed body, not from the unsigned `X-Razorpay-Event-Id` header (a replay could change it).
// UPI payments map to payment_method `upi`; their VPA (`vpa`, `upi.vpa`) and RRN/UTR
// (`acquirer_data.rrn`, `acquirer_data.upi_transaction_id`) stay in raw_payload, untouched:
// TransactionMessage v1 is strict, with no field for them, and a VPA is no Razorpay customer id.
const TRANSACTION_EVENTS = new Set(['payment.authorized', 'payment.captured', 'payment.failed', 'refund.processed'])

// Razorpay's `method` → the message's payment_method vocabulary (others kept as they are).
const METHOD: Record<string, string> = { netbanking: 'bank_transfer', emandate: 'bank_transfer', nach: 'bank_transfer' }

const entityId = z.object({ entity: z.object({ id: z.string().min(1) }).passthrough() })

const envelope = z.object({
  event: z.string().min(1),
  created_at: z.number().int(),
  payload: z.object({ payment: entityId.optional(), refund: entityId.optional() }).passthrough(),
})

const payment = z.object({
  id: z.string().min(1),
  // Already the currency's subunit (paise, cents).
  amount: z.number().int(),
  currency: z.string().length(3),
  status: z.string().min(1),
  method: z.string().min(1),
  created_at: z.number().int(),
  customer_id: z.string().min(1).nullable().optional(),
})

const refund = z.object({
  id: z.string().min(1),
  payment_id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string().length(3),
  status: z.string().min(1),
  created_at: z.number().int(),
})

const transaction = z.union([
  z.object({ event: z.literal('refund.processed'), payload: z.object({ refund: z.object({ entity: refund }), payment: z.object({ entity: payment }).optional() }) }),
  z.object({ event: z.string().min(1), payload: z.object({ payment: z.object({ entity: payment }) }) }),
])

// The settlement recon report (Settlements API `GET /v1/settlements/recon/combined`, documented at
// https://razorpay.com/docs/api/settlements/ and in razorpay-node's documents/settlement.md): one
// item per settled entity — `entity_id` (`pay_…`, `rfnd_…`, `trf_…`, `adj_…`), `type` (payment,
// refund, transfer, adjustment), `amount` already in the currency's subunit, `currency`,
// `created_at` in Unix seconds, `method` (null for transfers and adjustments). The API answers
// JSON (`{"items": [...]}`); the file is its items one per line (`jq -c '.items[]'`). Every item
// is settled, so its `type` is the status, as in Mercado Pago's settlement report; `method` is
// kept as Razorpay spells it (`netbanking`), the webhook path's renaming is not applied here.
const batch: BatchMapping = {
  format: 'ndjson',
  column_mapping: {
    transaction_id: 'entity_id',
    timestamp: 'created_at',
    amount: 'amount',
    currency: 'currency',
    status: 'type',
    payment_method: 'method',
    event_type: 'type',
  },
  transformations: { timestamp: 'unix_to_iso8601', amount: 'keep_as_integer' },
  defaults: { payment_method: 'unknown' },
}

const objectId = (e: z.infer<typeof envelope>) => e.payload.refund?.entity.id ?? e.payload.payment?.entity.id ?? ''

export default defineProvider({
  id: 'razorpay',
  name: 'Razorpay',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'RAZORPAY_WEBHOOK_SECRET', header: 'x-razorpay-signature' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event,
  idempotencyKey: (e) => `${e.event}:${objectId(e)}`,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: (t) => {
    if ('refund' in t.payload && t.payload.refund) {
      const r = t.payload.refund.entity
      const p = t.payload.payment?.entity
      return {
        transactionId: r.id,
        occurredAt: fromUnixSeconds(r.created_at),
        amount: { minor: r.amount },
        currency: r.currency,
        status: r.status === 'processed' ? 'refunded' : r.status,
        paymentMethod: p ? (METHOD[p.method] ?? p.method) : 'unknown',
        customerId: p?.customer_id ?? null,
      }
    }
    const p = (t.payload as { payment: { entity: z.infer<typeof payment> } }).payment.entity
    return {
      transactionId: p.id,
      occurredAt: fromUnixSeconds(p.created_at),
      amount: { minor: p.amount },
      currency: p.currency,
      status: p.status,
      paymentMethod: METHOD[p.method] ?? p.method,
      customerId: p.customer_id ?? null,
    }
  },
  rateLimit: { ratePerSec: 200, burst: 400 },
  batch,
})
