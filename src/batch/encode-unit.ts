/** @module One unit's records as JSON lines in one buffer (what crosses threads), and back to records to publish. */
import type { DlqMessage, TransactionMessage } from '../message/schema.ts'
import { SCHEMA_VERSION } from '../message/version.ts'
import { dlqRecord, recordHeaders, transactionRecord } from '../publish/records.ts'
import type { EncodedRecord } from '../publish/types.ts'
import type { BatchContext, MappedFields } from './record.ts'

/** A growable byte buffer that UTF-8-encodes text into itself; the server's is Buffer-backed. */
export type TextSink = {
  write(text: string): void
  /** `s` as a JSON string, quotes included: the text JSON.stringify(s) gives. */
  json(s: string): void
  /** Bytes as they are (a template's text, encoded once). */
  bytes(b: Uint8Array): void
  byte(b: number): void
  readonly length: number
  /** The bytes written so far; the sink is done with. */
  take(): Uint8Array
}
export type NewTextSink = (capacityBytes: number) => TextSink

/**
 * A unit's records in file order: their lines in `bytes`, each followed by a line feed, and per
 * record where its line ends (before the line feed), where its value starts, its idempotency key (null: a DLQ record) and event id.
 * Typed arrays and strings only, so a worker posts it with its buffers transferred, not copied.
 */
export type EncodedUnit = {
  bytes: Uint8Array
  ends: Uint32Array
  valueAts: Uint32Array
  keys: (string | null)[]
  eventIds: string[]
  /** Each record's tenant (its `tenant_id` header), when any record of the unit has one. */
  tenants?: (string | null)[]
}

export type LineContext = {
  provider: string
  traceparent: string
  topics: { batch: string; dlq: string }
}

/** What a record of ~7 CSV columns takes as a line, until a unit of the job has been measured. */
export const BYTES_PER_RECORD = 1024

/**
 * Writes a unit's records; `finish()` hands the unit over. `bytesPerRecord` sizes the buffer:
 * the previous unit's average, so it rarely grows (growing doubles it, and the unit's records
 * keep the whole buffer alive until they are published).
 */
export function createUnitWriter(ctx: LineContext, records: number, newSink: NewTextSink, bytesPerRecord = BYTES_PER_RECORD): UnitWriter {
  return new UnitWriter(ctx, records, newSink(Math.max(16 * 1024, Math.ceil(records * bytesPerRecord))))
}

/** A class, not closures: a unit gets a new writer, and closures made per writer would be new functions each time (never inlined). */
export class UnitWriter {
  readonly #ctx: LineContext
  readonly #records: number
  readonly #sink: TextSink
  readonly #ends: Uint32Array
  readonly #valueAts: Uint32Array
  readonly #keys: (string | null)[] = []
  readonly #eventIds: string[] = []
  // Made at the unit's first record with a tenant: most files have none.
  #tenants: (string | null)[] | undefined
  #n = 0
  #start = 0

  constructor(ctx: LineContext, records: number, sink: TextSink) {
    this.#ctx = ctx
    this.#records = records
    this.#sink = sink
    this.#ends = new Uint32Array(records)
    this.#valueAts = new Uint32Array(records)
  }

  /**
   * A mapped record's line from the job's compiled template (no message object, no stringify):
   * the same text as JSON.stringify(transactionRecord(...)) of its message. `raw`: the raw
   * payload's JSON as it is (an NDJSON line as it came), or a CSV row's cells.
   */
  mapped(line: TransactionLine, f: MappedFields, eventId: string, raw: string | CellsPayload): void {
    // Written piece by piece into the buffer: as one concatenated string, a record's ~25 pieces
    // were a rope of ~3 KB of garbage per row, flattened again by Buffer#write.
    const sink = this.#sink
    const idem = `${line.provider}:${f.transactionId}`
    const tenant = f.tenantId
    const h = tenant === null ? line.head : line.tenantHead
    const b = tenant === null ? line.body : line.tenantBody
    sink.bytes(h[0] as Uint8Array)
    sink.json(idem)
    sink.bytes(h[1] as Uint8Array)
    sink.write(eventId)
    sink.bytes(h[2] as Uint8Array)
    if (tenant !== null) {
      sink.json(tenant)
      sink.bytes(h[3] as Uint8Array)
    }
    this.#valueAts[this.#n] = sink.length - this.#start
    sink.bytes(b[0] as Uint8Array)
    sink.write(eventId)
    sink.bytes(b[1] as Uint8Array)
    sink.json(f.eventType)
    sink.bytes(b[2] as Uint8Array)
    sink.json(f.transactionId)
    sink.bytes(b[3] as Uint8Array)
    sink.write(f.timestamp)
    sink.bytes(b[4] as Uint8Array)
    sink.write(String(f.amount))
    sink.bytes(b[5] as Uint8Array)
    sink.write(f.currency)
    sink.bytes(b[6] as Uint8Array)
    sink.json(f.status)
    sink.bytes(b[7] as Uint8Array)
    sink.json(f.paymentMethod)
    sink.bytes(b[8] as Uint8Array)
    if (f.customerId === null) sink.bytes(NULL)
    else sink.json(f.customerId)
    sink.bytes(b[9] as Uint8Array)
    let k = 10
    if (tenant !== null) {
      sink.json(tenant)
      sink.bytes(b[k++] as Uint8Array)
      this.#tenants ??= new Array<string | null>(this.#n).fill(null)
    }
    sink.json(idem)
    sink.bytes(b[k++] as Uint8Array)
    if (typeof raw === 'string') sink.write(raw)
    else writeCells(sink, raw)
    sink.bytes(b[k] as Uint8Array)
    this.#tenants?.push(tenant)
    this.#keys.push(idem)
    this.#eventIds.push(eventId)
    this.#end()
  }

  dlq(m: DlqMessage): void {
    const sink = this.#sink
    const { value, ...head } = dlqRecord(this.#ctx.topics.dlq, m, this.#ctx.traceparent)
    sink.write(JSON.stringify({ ...head, value: 0 }).slice(0, -2))
    this.#valueAts[this.#n] = sink.length - this.#start
    sink.write(JSON.stringify(value))
    this.#tenants?.push(null)
    this.#keys.push(null)
    this.#eventIds.push(m.event_id)
    this.#end()
  }

  finish(): EncodedUnit {
    if (this.#n !== this.#records) throw new Error(`a unit of ${this.#records} records got ${this.#n}`)
    const tenants = this.#tenants
    return { bytes: this.#sink.take(), ends: this.#ends, valueAts: this.#valueAts, keys: this.#keys, eventIds: this.#eventIds, ...(tenants ? { tenants } : {}) }
  }

  #end(): void {
    const sink = this.#sink
    sink.byte(0x7d) // the record's closing brace
    this.#ends[this.#n++] = sink.length
    // A line feed between lines (not part of either), so a run of them is a spool write as it is.
    sink.byte(0x0a)
    this.#start = sink.length
  }
}

/** Records `from` to `to` (exclusive) of a unit: a chunk is a few of these, in file order. */
export type UnitSlice = { unit: EncodedUnit; from: number; to: number }

/**
 * Record `i` of a unit as the publisher takes it: a view into the unit's bytes, no copy. Its
 * fields are made when read: a chunk's records live through the chunk's fsync or Kafka's ack, so
 * as plain objects (a header object and a view each) they were promoted and grew the old
 * generation by megabytes a chunk; the spool reads only `line`.
 */
export function unitRecord(unit: EncodedUnit, i: number, ctx: LineContext): EncodedRecord {
  return new UnitRecord(unit, i, ctx)
}

class UnitRecord implements EncodedRecord {
  readonly #unit: EncodedUnit
  readonly #i: number
  readonly #ctx: LineContext
  constructor(unit: EncodedUnit, i: number, ctx: LineContext) {
    this.#unit = unit
    this.#i = i
    this.#ctx = ctx
  }
  get topic(): string {
    return this.#unit.keys[this.#i] == null ? this.#ctx.topics.dlq : this.#ctx.topics.batch
  }
  get key(): string {
    // As transactionRecord / dlqRecord key them: a batch idempotency key is `{provider}:{transaction_id}`.
    return this.#unit.keys[this.#i] ?? `${this.#ctx.provider}:${this.#unit.eventIds[this.#i] as string}`
  }
  get headers(): Record<string, string> {
    const headers = recordHeaders(this.#unit.eventIds[this.#i] as string, this.#ctx.provider, 'batch', SCHEMA_VERSION, this.#ctx.traceparent, undefined)
    // As transactionRecord adds it, and as the line has it (compileTransactionLine).
    const tenant = this.#unit.tenants?.[this.#i]
    return tenant == null ? headers : { ...headers, tenant_id: tenant }
  }
  get line(): Uint8Array {
    const { ends, bytes } = this.#unit
    const i = this.#i
    const start = i === 0 ? 0 : (ends[i - 1] as number) + 1 // past the previous line's line feed
    return bytes.subarray(start, ends[i] as number)
  }
  get valueAt(): number {
    return this.#unit.valueAts[this.#i] as number
  }
}

/** A sink on TextEncoder, for runtimes without Buffer (~6× slower per write on Node). */
export const portableTextSink: NewTextSink = (capacity) => {
  const encoder = new TextEncoder()
  let buf = new Uint8Array(capacity)
  let at = 0
  const room = (bytes: number) => {
    if (at + bytes <= buf.length) return
    const bigger = new Uint8Array(Math.max(at + bytes, buf.length * 2))
    bigger.set(buf.subarray(0, at))
    buf = bigger
  }
  const write = (text: string) => {
    room(text.length * 3)
    at += encoder.encodeInto(text, buf.subarray(at)).written
  }
  return {
    write,
    json: (s) => write(jsonString(s)),
    bytes(b) {
      room(b.length)
      buf.set(b, at)
      at += b.length
    },
    byte(b) {
      room(1)
      buf[at++] = b
    },
    get length() {
      return at
    },
    take: () => buf.subarray(0, at),
  }
}

/**
 * A job's transaction line cut into the text between its per-record values: cut from
 * JSON.stringify(transactionRecord(...)) of a message with marker values, so a line written from
 * it is that text (the tests compare the two). With a tenant the headers carry `tenant_id` too.
 */
export type TransactionLine = {
  provider: string
  head: Uint8Array[]
  body: Uint8Array[]
  tenantHead: Uint8Array[]
  tenantBody: Uint8Array[]
}

/** A CSV row's raw payload, its header → cell object as JSON: `names[i]` is `{"name":` (then `,"name":`), its value `fields[cells[i]]`. */
export type CellsPayload = { names: Uint8Array[]; cells: number[]; fields: readonly string[] }

export function compileTransactionLine(ctx: LineContext & BatchContext): TransactionLine {
  // A marker's JSON text is its escape sequence (\u0001…), which no topic, provider or trace text holds.
  const mark = (name: string) => `\u0001${name}`
  const bare = (m: string) => JSON.stringify(m).slice(1, -1) // for values written inside the template's quotes
  const quoted = (m: string) => JSON.stringify(m)
  const [ID, ET, TX, TS, AM, CU, ST, PM, CS, TN, RAW] = ['id', 'et', 'tx', 'ts', 'am', 'cu', 'st', 'pm', 'cs', 'tn', 'raw'].map(mark) as [
    string, string, string, string, string, string, string, string, string, string, string,
  ]
  const KEY = `${ctx.provider}:${TX}`
  const message = (tenant: string | null): TransactionMessage => ({
    schema_version: SCHEMA_VERSION,
    event_id: ID,
    ingestion_timestamp: new Date(ctx.ingestedAt).toISOString(),
    provider: ctx.provider,
    source: 'batch',
    event_type: ET,
    transaction_id: TX,
    timestamp: TS,
    amount: AM as unknown as number,
    currency: CU,
    status: ST,
    payment_method: PM,
    customer_id: CS,
    tenant_id: tenant,
    trace_id: ctx.traceId,
    idempotency_key: KEY,
    raw_payload: { [RAW]: 0 },
  })
  const parts = (tenant: string | null) => {
    const m = message(tenant)
    const record = JSON.stringify({ ...transactionRecord(ctx.topics.batch, m, ctx.traceparent), value: 0 }).slice(0, -2)
    const value = JSON.stringify(m)
    const tn = tenant === null ? [] : [quoted(TN)]
    return {
      head: cut(record, [quoted(KEY), bare(ID), ...tn]),
      body: cut(value, [bare(ID), quoted(ET), quoted(TX), bare(TS), quoted(AM), bare(CU), quoted(ST), quoted(PM), quoted(CS), ...tn, quoted(KEY), JSON.stringify(m.raw_payload)]),
    }
  }
  const plain = parts(null)
  const tenant = parts(TN)
  const bytes = (pieces: string[]) => pieces.map((p) => utf8.encode(p))
  return { provider: ctx.provider, head: bytes(plain.head), body: bytes(plain.body), tenantHead: bytes(tenant.head), tenantBody: bytes(tenant.body) }
}

// --- Internal helpers ---

const utf8 = new TextEncoder()
const NULL = utf8.encode('null')

function writeCells(sink: TextSink, raw: CellsPayload): void {
  const { names, cells, fields } = raw
  if (names.length === 0) return sink.write('{}')
  for (let i = 0; i < names.length; i++) {
    sink.bytes(names[i] as Uint8Array)
    sink.json(fields[cells[i] as number] as string)
  }
  sink.byte(0x7d)
}

/** `text` cut at each of `marks` in order, the marks left out: the pieces between them. */
function cut(text: string, marks: readonly string[]): string[] {
  const pieces: string[] = []
  let at = 0
  for (const m of marks) {
    const i = text.indexOf(m, at)
    if (i < 0) throw new Error(`line template: ${JSON.stringify(m)} not found`)
    pieces.push(text.slice(at, i))
    at = i + m.length
  }
  pieces.push(text.slice(at))
  return pieces
}

// What JSON.stringify escapes: quote, backslash, controls, surrogates (pairs take the slow path too).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** A string as JSON: the same text as JSON.stringify, without its call for a plain string. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`
}
