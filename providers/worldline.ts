/** @module Worldline Direct: `X-GCS-Signature` = base64 HMAC-SHA256 of the raw body, `X-GCS-KeyId` names the key; payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// Worldline Direct docs, Webhooks (docs.direct.worldline-solutions.com) — the
// webhook key and its secret come from the Merchant Portal (Developer → Webhooks); the SDKs pick the
// secret by `X-GCS-KeyId`. txgate tries every configured secret instead, so a second key added in
// the portal (rotation) works without naming key ids. Nothing signs a time: a replay is caught as
// a duplicate of the event `id`. Chosen over Klarna: Klarna's webhook signature (Klarna-Signature
// with a signing key id) is documented without its encoding or payload fields, Worldline's exactly.
const TRANSACTION_EVENTS = new Set([
  'payment.pending_capture',
  'payment.capture_requested',
  'payment.captured',
  'payment.rejected',
  'payment.rejected_capture',
  'payment.cancelled',
  'payment.refunded',
])

// Worldline's payment `status` → the message's vocabulary (others lower-cased as they are).
const STATUS: Record<string, string> = {
  PENDING_CAPTURE: 'authorized',
  CAPTURE_REQUESTED: 'capture_requested',
  CAPTURED: 'captured',
  REJECTED: 'failed',
  REJECTED_CAPTURE: 'failed',
  CANCELLED: 'canceled',
  REFUNDED: 'refunded',
}

const envelope = z.object({
  apiVersion: z.string().min(1),
  id: z.string().min(1),
  created: z.string().min(1),
  merchantId: z.string().min(1),
  type: z.string().min(1),
  payment: z.record(z.string(), z.unknown()).optional(),
})

const transaction = z.object({
  created: z.string().min(1),
  payment: z.object({
    id: z.string().min(1),
    status: z.string().min(1),
    paymentOutput: z.object({
      // Already the currency's smallest unit (cents; yen as they are).
      amountOfMoney: z.object({ amount: z.number().int(), currencyCode: z.string().length(3) }),
      paymentMethod: z.string().min(1).optional(),
    }),
  }),
})

export default defineProvider({
  id: 'worldline',
  name: 'Worldline Direct',
  auth: {
    mode: 'any',
    schemes: [hmac({ secret: 'WORLDLINE_WEBHOOK_SECRET', header: 'x-gcs-signature', encoding: 'base64' })],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ created, payment: p }) => ({
    transactionId: p.id,
    occurredAt: parseRfc3339(created),
    amount: { minor: p.paymentOutput.amountOfMoney.amount },
    currency: p.paymentOutput.amountOfMoney.currencyCode,
    status: STATUS[p.status] ?? p.status.toLowerCase(),
    // `card`, `redirect` (wallets, bank redirects), `mobile`, `sepaDirectDebit`.
    paymentMethod: p.paymentOutput.paymentMethod === 'sepaDirectDebit' ? 'bank_transfer' : (p.paymentOutput.paymentMethod ?? 'card'),
    // A webhook's customer output holds device and billing data, no customer id.
    customerId: null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
