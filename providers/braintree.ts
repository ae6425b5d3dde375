/** @module Braintree: form fields `bt_signature` (`publicKey|hex HMAC-SHA1` pairs) and `bt_payload` (base64 XML); transaction notifications. */
import { z } from 'zod'
import { defineProvider, itemHmac, parseRfc3339, type BatchMapping, type ChallengeAnswer } from '../src/provider/define.ts'
import { readXml, type XmlValue } from './braintree.data.ts'

// https://developer.paypal.com/braintree/docs/guides/webhooks/parse — the HMAC-SHA1 key is the SHA-1
// of the API private key; a merchant holding several key pairs gets one `publicKey|signature` per
// pair joined by `&`, and the receiver verifies the one for its own public key (so a secret is
// `<public key>:<private key>`, several comma-separated while keys rotate). Nothing signs a time
// apart from the payload's own `<timestamp>`, which is informational: a replay is caught as a
// duplicate of kind + transaction id. The signature travels in the body, so it is checked after
// the form is read.
const TRANSACTION_KINDS = new Set([
  'transaction_settled',
  'transaction_settlement_declined',
  'transaction_disbursed',
  'transaction_retried',
  'subscription_charged_successfully',
  'subscription_charged_unsuccessfully',
])

// `payment-instrument-type` → the message's payment_method vocabulary (others kept as they are).
const METHOD: Record<string, string> = {
  credit_card: 'card',
  paypal_account: 'paypal',
  paypal_here: 'paypal',
  us_bank_account: 'bank_transfer',
  sepa_debit_account: 'bank_transfer',
  venmo_account: 'wallet',
  apple_pay_card: 'wallet',
  android_pay_card: 'wallet',
  google_pay_card: 'wallet',
  samsung_pay_card: 'wallet',
  visa_checkout_card: 'wallet',
  masterpass_card: 'wallet',
}

const notification = z.object({
  kind: z.string().min(1),
  timestamp: z.string().min(1),
  subject: z.record(z.string(), z.unknown()),
})
type Notification = z.infer<typeof notification>

type Decoded = { ok: true; value: unknown } | { ok: false; reason: string }

// The envelope and the transaction shape both read bt_payload of the same request; the second
// read reuses the first (the values are only read, never changed). Small payloads only, so the
// cache holds at most 32 × 64 KiB.
const decodedCache = new Map<string, Decoded>()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** bt_payload → the `<notification>` element, or a reason it is not one. */
function decodeNotification(payload: string): Decoded {
  const cached = decodedCache.get(payload)
  if (cached) return cached
  const decoded = decodeUncached(payload)
  if (payload.length <= 65_536) {
    if (decodedCache.size >= 32) decodedCache.delete(decodedCache.keys().next().value ?? '')
    decodedCache.set(payload, decoded)
  }
  return decoded
}

function decodeUncached(payload: string): Decoded {
  let text: string
  try {
    const bin = atob(payload)
    const bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
    text = utf8Strict.decode(bytes)
  } catch {
    return { ok: false, reason: 'bt_payload is not base64 of UTF-8 text' }
  }
  const xml = readXml(text)
  if (!xml || !('notification' in xml)) return { ok: false, reason: 'bt_payload is not a <notification> XML document' }
  return { ok: true, value: xml['notification'] }
}

/** A schema reading bt_payload's notification with `inner`, for both the envelope and a transaction. */
const fromPayload = <T extends z.ZodType>(inner: T) =>
  z
    .string()
    .transform((payload, ctx) => {
      const decoded = decodeNotification(payload)
      if (decoded.ok) return decoded.value
      ctx.addIssue({ code: 'custom', message: decoded.reason })
      return z.NEVER
    })
    .pipe(inner)

const envelope = z
  .object({
    // Optional here so that its absence is a 401 (missing signature) rather than a 400.
    bt_signature: z.string().optional(),
    bt_payload: z.string().regex(/^[A-Za-z0-9+=/\n]+$/, 'bt_payload holds characters base64 does not'),
  })
  .transform((form, ctx) => {
    const read = fromPayload(notification).safeParse(form.bt_payload)
    if (read.success) return { signature: form.bt_signature, payload: form.bt_payload, notification: read.data }
    for (const issue of read.error.issues) ctx.addIssue({ code: 'custom', path: ['bt_payload', ...issue.path], message: issue.message })
    return z.NEVER
  })
type Envelope = z.infer<typeof envelope>

const btTransaction = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  type: z.string().optional(),
  // A decimal string in major units ("49.99").
  amount: z.string().min(1),
  'currency-iso-code': z.string().length(3),
  'payment-instrument-type': z.string().min(1).optional(),
  customer: z.union([z.object({ id: z.string().nullable().optional() }).passthrough(), z.string(), z.null()]).optional(),
})

const transaction = z.object({
  bt_payload: fromPayload(
    notification.extend({
      // One object rather than a union, so that a DLQ reason names the field that is missing.
      subject: z
        .object({
          transaction: btTransaction.optional(),
          // Braintree lists a subscription's transactions newest first: the charge this is about.
          subscription: z.object({ transactions: z.array(btTransaction).min(1) }).optional(),
        })
        .refine((s) => s.transaction ?? s.subscription, 'the subject is neither a transaction nor a subscription'),
    }),
  ),
})

/** `publicKey|signature` pairs; the one for `publicKey`, or (without it) the first. */
function signatureFor(header: string | undefined, publicKey?: string): string | undefined {
  for (const pair of header?.split('&') ?? []) {
    const bar = pair.indexOf('|')
    if (bar < 0) continue
    if (publicKey === undefined || pair.slice(0, bar) === publicKey) return pair.slice(bar + 1)
  }
  return undefined
}

const idOf = (v: unknown): string | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : undefined

/**
 * The transaction a notification is about: `<transaction>`, or a subscription's latest charge (the
 * subscription's own id repeats every billing cycle); else the subject's id.
 */
function transactionKey(n: Notification): string {
  const { transaction, subscription } = n.subject as Record<string, XmlValue>
  const charges = subscription && typeof subscription === 'object' && !Array.isArray(subscription) ? subscription['transactions'] : undefined
  return idOf(transaction) ?? (Array.isArray(charges) ? idOf(charges[0]) : undefined) ?? Object.values(n.subject).map(idOf).find(Boolean) ?? ''
}

// The Control Panel's Transaction Search export (Transactions → Download CSV): one row per
// transaction. `Created Datetime` is `MM/DD/YYYY HH:mm:ss` in the timezone its `Created Timezone`
// column names, read here as UTC: for an account set to another timezone, override `timestamp`
// in a mapping file. `Amount Authorized` is present on every row (declined ones included).
const batch: BatchMapping = {
  format: 'csv',
  header_row: true,
  column_mapping: {
    transaction_id: 'Transaction ID',
    timestamp: 'Created Datetime',
    amount: 'Amount Authorized',
    currency: 'Currency ISO Code',
    status: 'Transaction Status',
    payment_method: 'Payment Instrument Type',
    customer_id: 'Customer ID',
    event_type: 'Transaction Type',
  },
  transformations: { timestamp: 'format:MM/DD/YYYY HH:mm:ss', amount: 'decimal_to_minor' },
}

// Endpoint verification (the SDK's `webhookNotification.verify(challenge)`): Braintree GETs the URL
// with `?bt_challenge=<hex>` and expects `publicKey|hex HMAC-SHA1(SHA-1(private key), challenge)`,
// answered here with the first configured key pair. The SDK refuses a challenge that is not 20–32
// lower-case hex digits, and so does this: the key is the one that signs `bt_payload`, and a
// base64 payload made of hex digits alone cannot be notification XML, so the answer can never be
// replayed as a notification's signature.
const CHALLENGE = /^[a-f0-9]{20,32}$/

async function answerChallenge(query: URLSearchParams, secrets: (name: string) => readonly string[]): Promise<ChallengeAnswer | undefined> {
  const challenge = query.get('bt_challenge')
  if (challenge === null) return undefined
  if (!CHALLENGE.test(challenge)) return { ok: false, reason: 'bt_challenge must be 20 to 32 lower-case hex digits' }
  const pair = secrets('BRAINTREE_API_KEYS').find((s) => s.indexOf(':') > 0 && !s.endsWith(':'))
  if (pair === undefined) return { ok: false, reason: 'BRAINTREE_API_KEYS holds no <public key>:<private key> pair' }
  const colon = pair.indexOf(':')
  const utf8 = (text: string) => new TextEncoder().encode(text)
  const keyBytes = await crypto.subtle.digest('SHA-1', utf8(pair.slice(colon + 1)))
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(challenge)))
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')
  return { ok: true, body: `${pair.slice(0, colon)}|${hex}` }
}

export default defineProvider({
  id: 'braintree',
  name: 'Braintree',
  auth: {
    mode: 'any',
    schemes: [
      itemHmac<Envelope>({
        secret: 'BRAINTREE_API_KEYS',
        hash: 'SHA-1',
        encoding: 'hex',
        keyEncoding: 'utf8',
        keyPairs: { derive: 'SHA-1' },
        signedString: (e) => e.payload,
        signature: (e, publicKey) => signatureFor(e.signature, publicKey),
      }),
    ],
  },
  body: 'form',
  envelope,
  eventType: (e) => e.notification.kind,
  // One notification of a kind per transaction (a retried or recurring charge is a new transaction).
  idempotencyKey: (e) => `${e.notification.kind}:${transactionKey(e.notification)}`,
  isTransaction: (kind) => TRANSACTION_KINDS.has(kind),
  transaction,
  map: ({ bt_payload: n }) => {
    const t = n.subject.transaction ?? n.subject.subscription?.transactions[0]
    if (!t) throw new Error('the notification names no transaction')
    const instrument = t['payment-instrument-type'] ?? 'credit_card'
    const customer = typeof t.customer === 'object' && t.customer !== null ? t.customer.id : null
    return {
      transactionId: t.id,
      occurredAt: parseRfc3339(n.timestamp),
      amount: { decimal: t.amount },
      currency: t['currency-iso-code'],
      // A credit is a refund: its settlement is the money going back.
      status: t.type === 'credit' && t.status === 'settled' ? 'refunded' : t.status,
      paymentMethod: METHOD[instrument] ?? instrument,
      customerId: customer || null,
    }
  },
  rateLimit: { ratePerSec: 200, burst: 400 },
  batch,
  challenge: answerChallenge,
})
