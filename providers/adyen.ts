/** @module Adyen standard webhooks: optional Basic auth + HMAC-SHA256 (hex key, base64) inside each notification item. */
import { z } from 'zod'
import { basic, defineProvider, itemHmac, parseRfc3339 } from '../src/provider/define.ts'

// https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures
// and @adyen/api-library hmacValidator.getDataToSign: the signed string is eight fields joined
// with ':' (absent ones empty). eventDate, paymentMethod and additionalData are NOT signed.
//
// Basic auth is optional: Adyen lets a merchant leave it off, and the per-item HMAC already
// authenticates every signed field. When ADYEN_BASIC_AUTH is set it is enforced on every request
// (and the start-up line says when it is not set); ADYEN_HMAC_KEY is always required.

/** Payment-state events that carry an amount; anything else (REPORT_AVAILABLE, …) is ignored. */
const TRANSACTION_EVENTS = new Set([
  'AUTHORISATION',
  'AUTHORISATION_ADJUSTMENT',
  'PENDING',
  'CAPTURE',
  'CAPTURE_FAILED',
  'CANCELLATION',
  'CANCEL_OR_REFUND',
  'TECHNICAL_CANCEL',
  'REFUND',
  'REFUND_FAILED',
  'REFUNDED_REVERSED',
  'REFUND_WITH_DATA',
  'VOID_PENDING_REFUND',
  'CHARGEBACK',
  'CHARGEBACK_REVERSED',
  'SECOND_CHARGEBACK',
  'PREARBITRATION_LOST',
  'PREARBITRATION_WON',
  'PAYOUT_THIRDPARTY',
  'PAYOUT_DECLINE',
  'PAYOUT_EXPIRE',
  'PAIDOUT_REVERSED',
])

// Adyen names card brands and their variants (`visa`, `mcdebit`, `amex`); wallets come as
// `<brand>_applepay`, `paywithgoogle`, … Everything else (`ideal`, `paypal`, `klarna`) is kept.
const WALLET = /applepay|googlepay|paywithgoogle|samsungpay|amazonpay|clicktopay/
// prettier-ignore
const CARD_BRANDS = [
  'visa', 'mc', 'amex', 'maestro', 'electron', 'vpay', 'discover', 'diners', 'jcb', 'cup', 'bcmc',
  'cartebancaire', 'elo', 'hipercard', 'dankort', 'mir', 'uatp', 'troy', 'eftpos', 'interac',
  'accel', 'nyce', 'pulse', 'card', 'scheme',
]
const CARD = new RegExp(`^(${CARD_BRANDS.join('|')})`)

/** What the signature, event type and idempotency key need; checked before anything else (400). */
const item = z.object({
  pspReference: z.string().min(1),
  originalReference: z.string().optional(),
  merchantAccountCode: z.string(),
  merchantReference: z.string().optional(),
  amount: z.object({ value: z.number().int(), currency: z.string() }),
  eventCode: z.string().min(1),
  success: z.enum(['true', 'false']),
  additionalData: z.record(z.string(), z.unknown()).optional(),
})
type Item = z.infer<typeof item>

const envelope = z.object({
  live: z.string().optional(),
  // An empty notification authenticates nothing (the HMAC is per item), so it is not accepted.
  notificationItems: z.array(z.object({ NotificationRequestItem: item })).min(1),
})

/** What a transaction item must carry to become a message; checked against the raw item (DLQ). */
const transaction = z.object({
  pspReference: z.string().min(1),
  originalReference: z.string().optional(),
  eventCode: z.string().min(1),
  eventDate: z.string(),
  success: z.enum(['true', 'false']),
  amount: z.object({ value: z.number().int(), currency: z.string().length(3) }),
  paymentMethod: z.string().optional(),
  additionalData: z.object({ shopperReference: z.string().optional() }).nullable().optional(),
})

export default defineProvider({
  id: 'adyen',
  name: 'Adyen',
  auth: {
    mode: 'all',
    schemes: [
      basic({ credentials: 'ADYEN_BASIC_AUTH', optional: true }),
      itemHmac<Item>({
        secret: 'ADYEN_HMAC_KEY',
        hash: 'SHA-256',
        encoding: 'base64',
        keyEncoding: 'hex',
        signedString: (i) =>
          [
            i.pspReference,
            i.originalReference ?? '',
            i.merchantAccountCode,
            i.merchantReference ?? '',
            String(i.amount.value),
            i.amount.currency,
            i.eventCode,
            i.success,
          ].join(':'),
        signature: (i) => {
          const s = i.additionalData?.['hmacSignature']
          return typeof s === 'string' ? s : undefined
        },
      }),
    ],
  },
  body: 'json',
  envelope,
  items: (e) => e.notificationItems.map((n) => n.NotificationRequestItem),
  eventType: (i) => i.eventCode,
  // Adyen's documented duplicate check; a modification (CAPTURE, REFUND) also names its payment.
  idempotencyKey: (i) =>
    `${i.pspReference}:${i.eventCode}${i.originalReference ? `:${i.originalReference}` : ''}`,
  isTransaction: (code) => TRANSACTION_EVENTS.has(code),
  transaction,
  map: (t) => ({
    // A modification's own pspReference is new; the payment's is its originalReference. Keying on
    // the payment keeps a payment's AUTHORISATION, CAPTURE and REFUND in order on one partition.
    transactionId: t.originalReference || t.pspReference,
    occurredAt: parseRfc3339(t.eventDate),
    amount: { minor: t.amount.value },
    currency: t.amount.currency,
    // `success` is the string "true"/"false": a refused AUTHORISATION is `authorisation_failed`,
    // so the outcome stays in the one status field without inventing Adyen states.
    status: t.success === 'true' ? t.eventCode : `${t.eventCode}_failed`,
    paymentMethod: paymentMethod(t.paymentMethod),
    customerId: t.additionalData?.shopperReference ?? null,
  }),
  rateLimit: { ratePerSec: 500, burst: 1000 },
  acknowledgement: '[accepted]',
})

// --- Internal helpers ---

function paymentMethod(adyen: string | undefined): string {
  if (!adyen) return 'unknown'
  const m = adyen.toLowerCase()
  if (WALLET.test(m)) return 'wallet'
  return CARD.test(m) ? 'card' : m
}
