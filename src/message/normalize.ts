/** @module A provider's Fields + context → a TransactionMessage, or the reason it cannot be one. */
import { surelyTransactionMessage } from './check-message.ts'
import { toMinorUnits } from './money.ts'
import { SCHEMA_VERSION, TransactionMessage } from './schema.ts'
import type { Fields } from '../provider/types.ts'

export type NormalizeContext = {
  eventId: string
  provider: string
  source: 'webhook' | 'api' | 'batch'
  eventType: string
  idempotencyKey: string
  traceId: string
  tenantId: string | null
  ingestedAt: number
  raw: unknown
}

export type NormalizeResult = { ok: true; message: TransactionMessage } | { ok: false; reason: string }

export function normalize(fields: Fields, ctx: NormalizeContext): NormalizeResult {
  const money = toMinorUnits(fields.amount, fields.currency)
  if (!money.ok) return { ok: false, reason: money.reason }
  const occurred = fields.occurredAt
  if (!occurred || Number.isNaN(occurred.getTime())) {
    return { ok: false, reason: 'transaction timestamp is missing or not a valid time' }
  }
  if (!isRecord(ctx.raw)) return { ok: false, reason: 'raw payload is not a JSON object' }
  const candidate = {
    schema_version: SCHEMA_VERSION,
    event_id: ctx.eventId,
    ingestion_timestamp: new Date(ctx.ingestedAt).toISOString(),
    provider: ctx.provider,
    source: ctx.source,
    event_type: ctx.eventType,
    transaction_id: fields.transactionId,
    timestamp: occurred.toISOString(),
    amount: money.minor,
    currency: money.currency,
    status: fields.status.toLowerCase(),
    payment_method: fields.paymentMethod.toLowerCase(),
    customer_id: fields.customerId,
    tenant_id: fields.tenantId ?? ctx.tenantId,
    trace_id: ctx.traceId,
    idempotency_key: ctx.idempotencyKey,
    raw_payload: ctx.raw,
  }
  // The schema is the contract: whatever a mapping produced is checked against it once more. The
  // common case is settled by a cheap check that only ever passes what the schema passes.
  if (surelyTransactionMessage(candidate, SCHEMA_VERSION)) {
    return { ok: true, message: candidate as TransactionMessage }
  }
  const checked = TransactionMessage.safeParse(candidate)
  if (!checked.success) {
    return { ok: false, reason: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
  }
  return { ok: true, message: checked.data }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
