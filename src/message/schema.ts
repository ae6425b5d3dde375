/** @module TransactionMessage v1 and the DLQ record: the single source of truth for both. */
import { z } from 'zod'
import { SCHEMA_VERSION } from './version.ts'

export { SCHEMA_VERSION }

const rfc3339Utc = z.iso.datetime({ offset: false, precision: 3 })

export const TransactionMessage = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION),
    event_id: z.uuid({ version: 'v7' }).describe('UUIDv7 minted by txgate, stable across duplicates'),
    ingestion_timestamp: rfc3339Utc.describe('RFC 3339 UTC, when txgate accepted the event'),
    provider: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).describe("the provider module's id"),
    source: z.enum(['webhook', 'api', 'batch']),
    event_type: z.string().min(1).describe("the provider's own event name"),
    transaction_id: z.string().min(1).describe("the provider's transaction id"),
    timestamp: rfc3339Utc.describe('RFC 3339 UTC, when the transaction happened (provider time)'),
    amount: z
      .number()
      .int()
      .min(Number.MIN_SAFE_INTEGER)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('minor units of currency by its ISO 4217 exponent'),
    currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217 alpha-3, upper case'),
    status: z.string().min(1).regex(/^[^A-Z]*$/).describe("the provider's status, lower case"),
    payment_method: z.string().min(1).describe('card, bank_transfer, wallet, upi, paypal, ...'),
    customer_id: z.string().nullable(),
    tenant_id: z.string().nullable(),
    trace_id: z.string().regex(/^[0-9a-f]{32}$/).describe('W3C trace id'),
    idempotency_key: z.string().min(1).describe('what duplicates were detected on'),
    raw_payload: z.record(z.string(), z.unknown()).describe("the provider's original event, untouched"),
  })
  .strict()
  .meta({ id: 'TransactionMessage', title: 'TransactionMessage v1' })

export type TransactionMessage = z.infer<typeof TransactionMessage>

/** What lands on the DLQ topic: enough to see why and to reprocess. */
export const DlqMessage = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION),
    event_id: z.uuid({ version: 'v7' }),
    failed_at: rfc3339Utc,
    provider: z.string(),
    source: z.enum(['webhook', 'api', 'batch']),
    event_type: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    trace_id: z.string(),
    reason: z.string().describe('why the input could not be normalized'),
    raw: z.unknown().describe('the raw input: the provider event (webhooks) or the record (files)'),
    location: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  })
  .strict()
  .meta({ id: 'DlqMessage', title: 'txgate DLQ record v1' })

export type DlqMessage = z.infer<typeof DlqMessage>

/** JSON Schema (draft 2020-12) of TransactionMessage, as `txgate schema` prints it. */
export function transactionMessageJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TransactionMessage) as Record<string, unknown>
}
