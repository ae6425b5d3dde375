/** @module A cheap structural check that a TransactionMessage candidate passes the zod schema. */
import { z } from 'zod'

// The zod schema stays the contract: this check only ever says "certainly valid". Each test is the
// schema's own (its datetime regex) or stricter (lower-case UUIDs), so anything it doubts goes
// to TransactionMessage.safeParse, which decides and words the reason. test/message/check-message
// holds the two side by side. A full safeParse per message was ~7% of a webhook's CPU on Node.

// The schema's own pattern for z.iso.datetime({ offset: false, precision: 3 }).
const UTC_MILLIS = z.regexes.datetime({ precision: 3, offset: false, local: false })
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const PROVIDER = /^[a-z0-9][a-z0-9_-]*$/
const CURRENCY = /^[A-Z]{3}$/
const NO_UPPER = /^[^A-Z]*$/
const TRACE_ID = /^[0-9a-f]{32}$/
const SOURCES = new Set(['webhook', 'api', 'batch'])
const KEYS = [
  'schema_version',
  'event_id',
  'ingestion_timestamp',
  'provider',
  'source',
  'event_type',
  'transaction_id',
  'timestamp',
  'amount',
  'currency',
  'status',
  'payment_method',
  'customer_id',
  'tenant_id',
  'trace_id',
  'idempotency_key',
  'raw_payload',
] as const

type Candidate = Partial<Record<(typeof KEYS)[number], unknown>>

/** True only when `TransactionMessage.safeParse(c)` certainly succeeds with `c` itself as data. */
export function surelyTransactionMessage(c: Candidate, version: string): boolean {
  if (Object.keys(c).length !== KEYS.length || !KEYS.every((k) => k in c)) return false
  return (
    c.schema_version === version &&
    typeof c.event_id === 'string' &&
    UUID_V7.test(c.event_id) &&
    isUtcMillis(c.ingestion_timestamp) &&
    typeof c.provider === 'string' &&
    PROVIDER.test(c.provider) &&
    typeof c.source === 'string' &&
    SOURCES.has(c.source) &&
    nonEmpty(c.event_type) &&
    nonEmpty(c.transaction_id) &&
    isUtcMillis(c.timestamp) &&
    Number.isSafeInteger(c.amount) &&
    typeof c.currency === 'string' &&
    CURRENCY.test(c.currency) &&
    nonEmpty(c.status) &&
    NO_UPPER.test(c.status) &&
    nonEmpty(c.payment_method) &&
    stringOrNull(c.customer_id) &&
    stringOrNull(c.tenant_id) &&
    typeof c.trace_id === 'string' &&
    TRACE_ID.test(c.trace_id) &&
    nonEmpty(c.idempotency_key) &&
    plainJsonObject(c.raw_payload)
  )
}

// --- Internal helpers ---

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const stringOrNull = (v: unknown) => v === null || typeof v === 'string'

const isUtcMillis = (v: unknown) => typeof v === 'string' && UTC_MILLIS.test(v)

/** An object as JSON.parse makes it: Object.prototype, string keys, no own `constructor`. */
function plainJsonObject(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.getPrototypeOf(v) === Object.prototype &&
    !Object.hasOwn(v, 'constructor') &&
    Object.getOwnPropertySymbols(v).length === 0
  )
}
