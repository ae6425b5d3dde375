/** @module GoCardless: `Webhook-Signature` = hex HMAC-SHA256 of the raw body with the endpoint secret; batches of payment and refund events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks — one POST holds
// up to 250 events; each is its own message, de-duplicated on its event id (`EV…`; nothing signs a
// time). GoCardless's API reference says a webhook with an invalid signature "must return a 498
// Token Invalid error"; txgate answers 401 unauthorized, DESIGN's one status for a bad signature on
// every provider (the conformance table asserts it, and alerts and metrics count it as such); the
// reference ties no other behaviour to the 498, and both are a non-2xx answer.
//
// GoCardless events are thin: they name the payment (`links.payment`) and what happened to it
// (`action`), never its amount. txgate does no I/O in a provider, so an event is published when its
// payment or refund is in the body the way the Events API includes it (`linked.payments` /
// `linked.refunds`, `GET /events?include=payment`), and otherwise goes to the DLQ saying so: a plain
// webhook's payment events need `GET /payments/{id}` (or the payments export) for their amounts.
const TRANSACTION_EVENTS = new Set([
  'payments.submitted',
  'payments.confirmed',
  'payments.paid_out',
  'payments.failed',
  'payments.late_failure_settled',
  'payments.cancelled',
  'payments.customer_approval_denied',
  'payments.charged_back',
  'payments.chargeback_settled',
  'refunds.paid',
  'refunds.refund_settled',
  'refunds.failed',
  'refunds.bounced',
  'refunds.funds_returned',
])

// A refund event's action → the message's status (a payment's action is its GoCardless status).
const REFUND_STATUS: Record<string, string> = {
  paid: 'refunded',
  refund_settled: 'refunded',
  failed: 'refund_failed',
  bounced: 'refund_failed',
  funds_returned: 'refund_returned',
}

const event = z.object({
  id: z.string().min(1),
  created_at: z.string().min(1),
  resource_type: z.string().min(1),
  action: z.string().min(1),
  links: z.record(z.string(), z.unknown()).optional(),
})
type Event = z.infer<typeof event>

// Payments and refunds as the API returns them: amounts already in the currency's lowest
// denomination (pence, cents).
const resource = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  currency: z.string().length(3),
})
type Resource = z.infer<typeof resource>

const envelope = z.object({
  events: z.array(event).min(1),
  meta: z.object({ webhook_id: z.string().optional() }).passthrough().optional(),
  linked: z
    .object({ payments: z.array(resource).optional(), refunds: z.array(resource).optional() })
    .passthrough()
    .optional(),
})
type Envelope = z.infer<typeof envelope>

const transaction = event.extend({
  links: z.object({
    payment: z.string().min(1).optional(),
    refund: z.string().min(1).optional(),
    customer: z.string().min(1).optional(),
  }),
})

/** The payment or refund the event is about, from the body's `linked` resources. */
// `e` is absent when the DLQ re-sends a stored event (it keeps the event, not the whole body).
function linkedResource(t: z.infer<typeof transaction>, e: Envelope | undefined): Resource {
  const refund = t.resource_type === 'refunds'
  const id = refund ? t.links.refund : t.links.payment
  if (id === undefined) throw new Error(`the ${t.resource_type} event names no ${refund ? 'refund' : 'payment'}`)
  const found = (refund ? e?.linked?.refunds : e?.linked?.payments)?.find((r) => r.id === id)
  if (!found) {
    throw new Error(
      `GoCardless events carry no amount and the body does not include ${id} (linked.${t.resource_type}); ` +
        `fetch GET /${t.resource_type}/${id} or read the events with include=${refund ? 'refund' : 'payment'}`,
    )
  }
  return found
}

export default defineProvider<Envelope, z.infer<typeof transaction>, Event>({
  id: 'gocardless',
  name: 'GoCardless',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'GOCARDLESS_WEBHOOK_SECRET', header: 'webhook-signature' })],
  },
  body: 'json',
  envelope,
  items: (e) => e.events,
  eventType: (e) => `${e.resource_type}.${e.action}`,
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: (t, _item, { envelope: e }) => {
    const r = linkedResource(t, e)
    return {
      transactionId: r.id,
      occurredAt: parseRfc3339(t.created_at),
      amount: { minor: r.amount },
      currency: r.currency,
      status: t.resource_type === 'refunds' ? (REFUND_STATUS[t.action] ?? t.action) : t.action,
      // Every GoCardless payment is a bank debit (Bacs, SEPA, ACH, …: `details.scheme`).
      paymentMethod: 'bank_transfer',
      customerId: t.links.customer ?? null,
    }
  },
  rateLimit: { ratePerSec: 100, burst: 200 },
})
