/** @module Worldpay (Access Worldpay): `Event-Signature: {keyId}/SHA256/{hex}` HMAC-SHA256 of the raw body; payment events. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://docs.worldpay.com/access/products/events/signature — the shared secret comes from the
// Implementation Manager; during a renewal Worldpay sends one signature per key
// (`1/SHA256/…,2/SHA256/…`, any order), so every configured secret is tried against every entry.
// Nothing signs a time: a replay is caught by the eventId de-duplication. Chosen over Klarna: its
// webhook authentication is documented exactly (header, key id, hash, hex), Klarna's is not.
// Worldpay answers a bad signature with 400 in its docs; txgate answers 401 like every provider
// (Worldpay retries any non-2xx alike).
const SIGNATURE_ENTRY = /^\d+\/SHA256\/([0-9a-fA-F]{64})$/

// Access Worldpay's payment event types → the message's status vocabulary.
const STATUS: Record<string, string> = {
  authorized: 'authorized',
  sentForAuthorization: 'pending',
  sentForSettlement: 'captured',
  settled: 'succeeded',
  settlementFailed: 'failed',
  refused: 'failed',
  error: 'failed',
  cancelled: 'canceled',
  cancelledByCustomer: 'canceled',
  expired: 'expired',
  requestExpired: 'expired',
  sentForRefund: 'refund_pending',
  refunded: 'refunded',
  refundFailed: 'refund_failed',
}

const envelope = z.object({
  eventId: z.string().min(1),
  eventTimestamp: z.string().min(1),
  eventDetails: z.object({ classification: z.string().min(1), type: z.string().min(1) }).passthrough(),
})

const transaction = z.object({
  eventTimestamp: z.string().min(1),
  eventDetails: z.object({
    type: z.string().min(1),
    transactionReference: z.string().min(1),
    // Access Worldpay amounts are whole numbers in the currency's minor unit (exponent implied).
    amount: z.object({ value: z.number().int(), currencyCode: z.string().length(3) }),
    paymentInstrument: z.object({ method: z.string().min(1) }).optional(),
  }),
})

export default defineProvider({
  id: 'worldpay',
  name: 'Worldpay (Access Worldpay)',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'WORLDPAY_EVENT_SECRET',
        header: 'event-signature',
        // txgate sign writes one entry under key id 1.
        entries: { separator: ',', pattern: SIGNATURE_ENTRY, format: (hex) => `1/SHA256/${hex}` },
      }),
    ],
  },
  body: 'json',
  envelope,
  // The classification makes chargeback and payout events distinct from payment ones.
  eventType: (e) => `${e.eventDetails.classification}.${e.eventDetails.type}`,
  idempotencyKey: (e) => e.eventId,
  isTransaction: (type) => type.startsWith('payment.'),
  transaction,
  map: ({ eventTimestamp, eventDetails: d }) => ({
    transactionId: d.transactionReference,
    // Worldpay's eventTimestamp carries no zone; it is UTC.
    occurredAt: parseRfc3339(/[zZ]|[+-]\d{2}:\d{2}$/.test(eventTimestamp) ? eventTimestamp : `${eventTimestamp}Z`),
    amount: { minor: d.amount.value },
    currency: d.amount.currencyCode,
    status: STATUS[d.type] ?? d.type.toLowerCase(),
    paymentMethod: d.paymentInstrument?.method ?? 'card',
    customerId: null,
  }),
  rateLimit: { ratePerSec: 200, burst: 400 },
})
