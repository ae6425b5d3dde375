/** @module Mollie (next-gen webhooks): `X-Mollie-Signature: sha256=<hex>` HMAC-SHA256 of the raw body; paid payment links. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339, type BatchMapping } from '../src/provider/define.ts'

// https://docs.mollie.com/reference/webhooks-new and …/webhooks-best-practices — a next-gen
// webhook subscription has a signing secret; the header is `sha256=<hex>` (Mollie's SDKs also take
// the bare hex, so both are accepted). Several comma-separated secrets are tried while one is
// regenerated, as the SDKs take a list. Nothing signs a time: a replay is a duplicate of the event id.
//
// Classic Mollie webhooks (a payment's `webhookUrl`) are NOT supported: they post only
// `id=tr_…` unsigned, and Mollie's security model is to fetch `GET /v2/payments/{id}` with the API
// key. A provider module does no I/O, so it cannot verify or complete them; subscribe a next-gen
// webhook instead. A next-gen endpoint refuses a request without the header (401), where the SDKs
// would take it for a classic webhook.
const SIGNATURE_ENTRY = /^(?:sha256=)?([0-9a-fA-F]{64})$/

// Next-gen event types that are a completed payment; the rest (profile, onboarding, sales-invoice
// …) are answered 200 ignored.
const TRANSACTION_EVENTS = new Set(['payment-link.paid'])

// Mollie method ids → the message's payment_method vocabulary (others kept as they are).
const METHOD: Record<string, string> = {
  creditcard: 'card',
  banktransfer: 'bank_transfer',
  directdebit: 'bank_transfer',
  applepay: 'wallet',
  googlepay: 'wallet',
}

const envelope = z.object({
  resource: z.literal('event'),
  id: z.string().min(1),
  type: z.string().min(1),
  entityId: z.string().min(1),
  createdAt: z.string().min(1),
  _embedded: z.object({ entity: z.record(z.string(), z.unknown()) }).passthrough().optional(),
})

const transaction = z.object({
  entityId: z.string().min(1),
  createdAt: z.string().min(1),
  // A "simple" payload has no `_embedded`: choose the full payload for the subscription, or the
  // event goes to the DLQ with this path as its reason (completing it would need an API call).
  _embedded: z.object({
    entity: z.object({
      id: z.string().min(1),
      // Mollie amounts are decimal strings in major units ("24.95").
      amount: z.object({ value: z.string().regex(/^-?\d+(\.\d+)?$/), currency: z.string().length(3) }),
      paidAt: z.string().min(1).nullable().optional(),
      method: z.string().min(1).nullable().optional(),
      allowedMethods: z.array(z.string()).nullable().optional(),
      customerId: z.string().min(1).nullable().optional(),
    }),
  }),
})

// A settlement's payments, captures and refunds (Settlements API `GET /v2/settlements/{id}/payments`,
// `/captures`, `/refunds`; https://docs.mollie.com/reference/list-settlement-payments — "the same
// format as the List payments endpoint"): the objects under `_embedded`, one per line
// (`jq -c '._embedded.payments[]'`). `amount.value` is a decimal string in major units
// ("75.00"), `status` is `paid`, `succeeded` or `refunded`, `resource` says which list the row
// came from. `createdAt` is the time every one of them carries (`paidAt` is on payments only).
// `method` is Mollie's id as is (`creditcard`; the webhook path's renaming is not applied);
// captures and refunds carry none.
const batch: BatchMapping = {
  format: 'ndjson',
  column_mapping: {
    transaction_id: 'id',
    timestamp: 'createdAt',
    amount: 'amount.value',
    currency: 'amount.currency',
    status: 'status',
    payment_method: 'method',
    customer_id: 'customerId',
    event_type: 'resource',
  },
  transformations: { timestamp: 'iso8601', amount: 'decimal_to_minor' },
  defaults: { payment_method: 'unknown' },
}

export default defineProvider({
  id: 'mollie',
  name: 'Mollie',
  auth: {
    mode: 'any',
    schemes: [
      hmac({
        secret: 'MOLLIE_WEBHOOK_SECRET',
        header: 'x-mollie-signature',
        entries: { separator: ',', pattern: SIGNATURE_ENTRY, format: (hex) => `sha256=${hex}` },
      }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  idempotencyKey: (e) => e.id,
  isTransaction: (type) => TRANSACTION_EVENTS.has(type),
  transaction,
  map: ({ entityId, createdAt, _embedded: { entity } }, item) => {
    // A payment link records no method once paid; with exactly one allowed, that is the one used.
    const allowed = entity.allowedMethods ?? []
    const method = entity.method ?? (allowed.length === 1 ? allowed[0] : undefined)
    return {
      transactionId: entityId,
      occurredAt: parseRfc3339(entity.paidAt ?? createdAt),
      amount: { decimal: entity.amount.value },
      currency: entity.amount.currency,
      // `payment-link.paid` → `paid`: the event names the state the entity reached.
      status: item.type.slice(item.type.lastIndexOf('.') + 1),
      paymentMethod: method ? (METHOD[method] ?? method) : 'unknown',
      customerId: entity.customerId ?? null,
    }
  },
  rateLimit: { ratePerSec: 200, burst: 400 },
  batch,
})
