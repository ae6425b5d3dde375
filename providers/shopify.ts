/** @module Shopify: `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the raw body (app client secret); order transactions and paid orders. */
import { z } from 'zod'
import { defineProvider, hmac, parseRfc3339 } from '../src/provider/define.ts'

// https://shopify.dev/docs/apps/build/webhooks/subscribe/https — key = the app's client secret
// (comma-separated while it is rotated in the Partner Dashboard, where old and new both sign for a
// while). Nothing signs a time, so a replay is caught by the X-Shopify-Webhook-Id de-duplication.
// The topic is a header (X-Shopify-Topic); the body is the resource itself, no envelope.
const TRANSACTION_TOPICS = new Set(['order_transactions/create', 'orders/paid'])

// Shopify's numeric ids exceed 2^53 and lose digits in JSON.parse; the `admin_graphql_api_id`
// string (gid://shopify/OrderTransaction/<id>) keeps them exact.
const gid = z.string().regex(/^gid:\/\/shopify\/\w+\/\w+$/, 'not a Shopify gid')
const tail = (id: string) => id.slice(id.lastIndexOf('/') + 1)

const envelope = z.object({ admin_graphql_api_id: gid })

const orderTransaction = z.object({
  admin_graphql_api_id: gid,
  kind: z.enum(['authorization', 'capture', 'sale', 'void', 'refund', 'change', 'emv_authorization']),
  status: z.enum(['pending', 'failure', 'success', 'error']),
  amount: z.string().min(1),
  currency: z.string().length(3),
  gateway: z.string().min(1),
  created_at: z.string().min(1),
  processed_at: z.string().nullable().optional(),
  payment_details: z.object({ payment_method_name: z.string().nullable().optional() }).nullable().optional(),
})

const order = z.object({
  admin_graphql_api_id: gid,
  total_price: z.string().min(1),
  currency: z.string().length(3),
  financial_status: z.string().min(1),
  created_at: z.string().min(1),
  processed_at: z.string().nullable().optional(),
  payment_gateway_names: z.array(z.string()).optional(),
  customer: z.object({ admin_graphql_api_id: gid }).nullable().optional(),
})

const transaction = z.union([orderTransaction, order])

// A successful transaction's outcome depends on its kind; a failed or pending one does not.
const SUCCESS_BY_KIND: Record<string, string> = {
  authorization: 'authorized',
  emv_authorization: 'authorized',
  capture: 'succeeded',
  sale: 'succeeded',
  change: 'succeeded',
  void: 'voided',
  refund: 'refunded',
}

export default defineProvider({
  id: 'shopify',
  name: 'Shopify',
  auth: {
    mode: 'any',
    schemes: [
      hmac({ secret: 'SHOPIFY_API_SECRET', header: 'x-shopify-hmac-sha256', hash: 'SHA-256', encoding: 'base64' }),
    ],
  },
  body: 'json',
  envelope,
  eventType: (_e, { headers }) => headers.get('x-shopify-topic') ?? 'unknown',
  // Retries of one delivery keep X-Shopify-Webhook-Id; without it, the topic and resource id.
  idempotencyKey: (e, { headers }) =>
    headers.get('x-shopify-webhook-id') ?? `${headers.get('x-shopify-topic') ?? 'unknown'}:${tail(e.admin_graphql_api_id)}`,
  clientId: (headers) => headers.get('x-shopify-shop-domain') ?? undefined,
  isTransaction: (topic) => TRANSACTION_TOPICS.has(topic),
  transaction,
  map: (t) =>
    'kind' in t
      ? {
          transactionId: tail(t.admin_graphql_api_id),
          occurredAt: parseRfc3339(t.processed_at ?? t.created_at),
          amount: { decimal: t.amount },
          currency: t.currency,
          status: t.status === 'success' ? (SUCCESS_BY_KIND[t.kind] ?? 'succeeded') : t.status === 'pending' ? 'pending' : 'failed',
          paymentMethod: t.payment_details?.payment_method_name ?? t.gateway,
          customerId: null,
        }
      : {
          transactionId: `order_${tail(t.admin_graphql_api_id)}`,
          occurredAt: parseRfc3339(t.processed_at ?? t.created_at),
          amount: { decimal: t.total_price },
          currency: t.currency,
          status: t.financial_status,
          paymentMethod: t.payment_gateway_names?.[0] ?? 'unknown',
          customerId: t.customer ? tail(t.customer.admin_graphql_api_id) : null,
        },
  // Shopify sends at most a few webhooks a second per shop; bursts come from bulk edits.
  rateLimit: { ratePerSec: 200, burst: 1000 },
})
