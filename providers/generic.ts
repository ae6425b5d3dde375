/** @module Generic: a platform's own producers post one flat transaction object, signed by Standard Webhooks, a JWT or an HMAC. */
import { z } from 'zod'
import {
  defineProvider,
  hmac,
  jwt,
  parseTimestamp,
  standardWebhooks,
} from '../src/provider/define.ts'

// The payload every producer (store back end, PSP bridge, internal service) sends:
//   {"event_id", "event_type", "transaction_id", "timestamp", "amount", "currency", "status",
//    "payment_method", "customer_id"?}
// timestamp: RFC 3339 or Unix seconds; amount: an integer is minor units, a decimal string
// ("10.50") is major units, converted exactly by the core.
//
// Authentication: whichever schemes are configured, any one verifying is enough —
//   GENERIC_WEBHOOK_SECRET                Standard Webhooks (webhook-id/-timestamp/-signature)
//   GENERIC_JWKS_URL | GENERIC_JWT_PUBLIC_KEY + GENERIC_JWT_ISSUER + GENERIC_JWT_AUDIENCE
//                                         `Authorization: Bearer <JWT>` (asymmetric algs only)
//   GENERIC_HMAC_SECRET                   `X-Signature: <hex HMAC-SHA256 of the raw body>`
// Only Standard Webhooks signs a time; the other two rely on the token's age and on event_id
// de-duplication (24 h) against replay.

/**
 * Every event type is a transaction except housekeeping ones: `ping`, `test`, and anything under
 * `system.` or `test.`. A producer's new transaction kind then needs no change here, and an event
 * that lacks transaction fields lands on the DLQ with the reason instead of vanishing.
 */
const NOT_A_TRANSACTION = /^(ping|test|(system|test)\..+)$/

const envelope = z.object({
  event_id: z.string().min(1).max(200),
  event_type: z.string().min(1).max(200),
})

/** The flat transaction body; the `standard-webhooks` module reads its `data` with the same schema and mapping. */
export const flatTransaction = z.object({
  transaction_id: z.string().min(1),
  timestamp: z.union([z.string().min(1), z.number().nonnegative()]),
  amount: z.union([z.number().int(), z.string().regex(/^-?\d+(\.\d+)?$/, 'not a decimal string')]),
  currency: z.string().length(3),
  status: z.string().min(1),
  payment_method: z.string().min(1),
  customer_id: z.string().min(1).nullable().optional(),
})

export default defineProvider({
  id: 'generic',
  name: 'Generic (platform producers)',
  auth: {
    mode: 'any',
    schemes: [
      standardWebhooks({ secret: 'GENERIC_WEBHOOK_SECRET', toleranceSec: 300 }),
      jwt({
        jwksUrl: 'GENERIC_JWKS_URL',
        publicKey: 'GENERIC_JWT_PUBLIC_KEY',
        issuer: 'GENERIC_JWT_ISSUER',
        audience: 'GENERIC_JWT_AUDIENCE',
      }),
      hmac({
        secret: 'GENERIC_HMAC_SECRET',
        header: 'x-signature',
        hash: 'SHA-256',
        encoding: 'hex',
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event_type,
  idempotencyKey: (e) => e.event_id,
  isTransaction: (type) => !NOT_A_TRANSACTION.test(type),
  transaction: flatTransaction,
  map: (t) => mapFlatTransaction(t, t.timestamp),
  rateLimit: { ratePerSec: 1000, burst: 2000 },
})

/** An integer amount is minor units, a decimal string major units (converted exactly). */
export function mapFlatTransaction(t: Omit<z.infer<typeof flatTransaction>, 'timestamp'>, timestamp: string | number) {
  return {
    transactionId: t.transaction_id,
    occurredAt: parseTimestamp(timestamp),
    amount: typeof t.amount === 'number' ? { minor: t.amount } : { decimal: t.amount },
    currency: t.currency,
    status: t.status,
    paymentMethod: t.payment_method,
    customerId: t.customer_id ?? null,
  }
}
