/** @module PayPal: RSA-SHA256 over `id|time|webhookId|crc32(body)`, cert from an allow-listed URL. */
import { z } from 'zod'
import { certSignature, defineProvider, parseRfc3339 } from '../src/provider/define.ts'
import { DIGICERT_GLOBAL_ROOT_CA, DIGICERT_GLOBAL_ROOT_G2 } from './paypal.data.ts'

// https://developer.paypal.com/api/rest/webhooks/rest/ (verify signature) and PayPal-Java-SDK
// Event.validateReceivedEvent: the cert must chain to DigiCert, be in date, and have a subject CN
// messageverificationcerts*.paypal.com. No SDK checks the transmission time; we apply ±300 s.
// PAYPAL_WEBHOOK_ID may list several subscription ids (live and sandbox, or a move): any verifies.

/** Captures and refunds (Orders v2) and sales (REST v1); orders, disputes, billing… are ignored. */
const TRANSACTION_EVENTS = /^PAYMENT\.(CAPTURE|SALE)\.[A-Z_]+$/

const envelope = z.object({
  id: z.string().min(1),
  event_type: z.string().min(1),
  create_time: z.string().optional(),
  resource: z.record(z.string(), z.unknown()),
})

const times = { create_time: z.string().optional(), update_time: z.string().optional() }
/** Payments v2 (captures, refunds): `amount.value` is a decimal string in major units. */
const v2 = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  amount: z.object({ value: z.string(), currency_code: z.string().length(3) }),
  custom_id: z.string().min(1).optional(),
  ...times,
})
/** REST v1 sales (PAYMENT.SALE.*): `state` and `amount.total` / `amount.currency`. */
const v1 = z.object({
  id: z.string().min(1),
  state: z.string().min(1),
  amount: z.object({ total: z.string(), currency: z.string().length(3) }),
  ...times,
})
const transaction = z.object({ create_time: z.string().optional(), resource: z.union([v2, v1]) })

export default defineProvider({
  id: 'paypal',
  name: 'PayPal',
  auth: {
    mode: 'any',
    schemes: [
      certSignature({
        headers: {
          id: 'paypal-transmission-id',
          time: 'paypal-transmission-time',
          signature: 'paypal-transmission-sig',
          certUrl: 'paypal-cert-url',
          algorithm: 'paypal-auth-algo',
        },
        webhookId: 'PAYPAL_WEBHOOK_ID',
        certUrlPrefixes: {
          env: 'PAYPAL_CERT_URL_PREFIXES',
          defaults: [
            'https://api.paypal.com/v1/notifications/certs/',
            'https://api-m.paypal.com/v1/notifications/certs/',
            'https://api.sandbox.paypal.com/v1/notifications/certs/',
            'https://api-m.sandbox.paypal.com/v1/notifications/certs/',
          ],
        },
        trustedCa: {
          env: 'PAYPAL_TRUSTED_CA',
          defaults: [DIGICERT_GLOBAL_ROOT_CA, DIGICERT_GLOBAL_ROOT_G2],
        },
        subjectCn: /^messageverificationcerts.*\.paypal\.com$/,
        toleranceSec: 300,
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.event_type,
  // The event id (WH-…) is kept on every redelivery; the transmission id changes per attempt.
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => TRANSACTION_EVENTS.test(type),
  transaction,
  map: ({ resource: r, create_time }) => {
    const at = r.update_time ?? r.create_time ?? create_time
    const sale = 'state' in r
    return {
      transactionId: r.id,
      occurredAt: at === undefined ? undefined : parseRfc3339(at),
      amount: { decimal: sale ? r.amount.total : r.amount.value },
      currency: sale ? r.amount.currency : r.amount.currency_code,
      status: sale ? r.state : r.status,
      paymentMethod: 'paypal',
      customerId: sale ? null : (r.custom_id ?? null),
    }
  },
  rateLimit: { ratePerSec: 1000, burst: 2000 },
})
