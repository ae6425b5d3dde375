/** @module Mercado Pago: `x-signature: ts=…,v1=…` = hex HMAC-SHA256 of the manifest `id:{data.id};request-id:{x-request-id};ts:{ts};`; ids-only notifications. */
import { z } from 'zod'
import { defineProvider, hmac, type BatchMapping } from '../src/provider/define.ts'

// Mercado Pago developers, Notifications → Webhooks ("validate the notification origin"), and the
// official SDK's `WebhookSignatureValidator` (mercadopago ≥ 3): the application's secret signs a
// manifest, not the body — `id:` the notification's `data.id` (lower-cased: order ids are
// upper-case alphanumerics), `request-id:` the `x-request-id` header, `ts:` the header's ts; a
// part whose value is absent is left out. The body itself is not signed, so its `data.id` is held
// to the URL's `data.id` (Mercado Pago sends it in both) and signs in its place when the URL has
// none: a valid signature cannot be moved onto another resource's body.
// ts is Unix seconds (the SDK, the docs' payments example) or milliseconds (the docs' Orders
// example): ±300 s either way. A new secret (Your integrations → Webhooks → Reset) ends the old one
// at once, so rotation is only comma-separated secrets configured side by side for the switch.
//
// Mapping: a notification carries only ids (`data.id`, `type`, `action`) — no amount, currency or
// status, all of which TransactionMessage requires, and a provider module does no I/O to fetch
// `GET /v1/payments/{id}`. So an authentic payment or order notification is de-duplicated and sent
// to the DLQ with a reason naming the resource to fetch: a consumer holding the access token can
// complete it there, and the amounts themselves arrive through the settlement report (`batch`).
// Other topics (merchant_order, subscriptions, claims, point…) are answered 200 ignored.
const PAYMENT_EVENTS = new Set(['payment.created', 'payment.updated'])

const RESOURCE: Record<string, string> = { payment: '/v1/payments/', order: '/v1/orders/' }

const envelope = z.object({
  id: z.union([z.string().min(1), z.number()]),
  type: z.string().min(1),
  action: z.string().min(1).optional(),
  date_created: z.string().min(1).optional(),
  data: z.object({ id: z.union([z.string().min(1), z.number()]).optional() }).passthrough().optional(),
})

const transaction = z.object({
  type: z.string().min(1),
  data: z.object({ id: z.union([z.string().min(1), z.number()]) }),
})

/** The manifest the secret signs; undefined when the body names another resource than the URL. */
function manifest({ headers, query, body, timestamp }: { headers: Headers; query: URLSearchParams; body: Uint8Array; timestamp: string }): string | undefined {
  const fromUrl = query.get('data.id') ?? undefined
  const fromBody = bodyDataId(body)
  if (fromUrl !== undefined && fromBody !== undefined && fromUrl.toLowerCase() !== fromBody.toLowerCase()) return undefined
  const id = (fromUrl ?? fromBody)?.toLowerCase()
  const requestId = headers.get('x-request-id') ?? undefined
  return `${id ? `id:${id};` : ''}${requestId ? `request-id:${requestId};` : ''}ts:${timestamp};`
}

function bodyDataId(body: Uint8Array): string | undefined {
  try {
    const id = (JSON.parse(new TextDecoder().decode(body)) as { data?: { id?: unknown } } | null)?.data?.id
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined
  } catch {
    return undefined // not JSON: refused as unparseable after authentication
  }
}

// The settlement report ("account money" report, Reports → Settlement): one row per movement.
const batch: BatchMapping = {
  format: 'csv',
  header_row: true,
  column_mapping: {
    transaction_id: 'SOURCE_ID',
    timestamp: 'TRANSACTION_DATE',
    amount: 'TRANSACTION_AMOUNT',
    currency: 'TRANSACTION_CURRENCY',
    // SETTLEMENT (approved payment), REFUND, CHARGEBACK, DISPUTE … lower-cased.
    status: 'TRANSACTION_TYPE',
    payment_method: 'PAYMENT_METHOD_TYPE',
    event_type: 'TRANSACTION_TYPE',
  },
  transformations: { timestamp: 'iso8601', amount: 'decimal_to_minor' },
}

export default defineProvider({
  id: 'mercadopago',
  name: 'Mercado Pago',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'MERCADOPAGO_WEBHOOK_SECRET',
        header: 'x-signature',
        pairs: { timestamp: 'ts', signature: 'v1', separator: ',' },
        manifest,
        toleranceSec: 300,
        timestampUnit: 'auto',
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.action ?? e.type,
  // The notification's own id: the same across Mercado Pago's retries, new for each change.
  idempotencyKey: (e) => String(e.id),
  isTransaction: (type) => PAYMENT_EVENTS.has(type) || type.startsWith('order.'),
  transaction,
  map: ({ type, data }) => {
    throw new Error(
      `Mercado Pago notifications carry only ids: fetch GET ${RESOURCE[type] ?? `/${type}/`}${String(data.id)} for amount, currency and status`,
    )
  },
  rateLimit: { ratePerSec: 200, burst: 400 },
  batch,
})
