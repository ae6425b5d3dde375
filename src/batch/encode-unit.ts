/** @module One unit's records as JSON lines in one buffer (what crosses threads), and back to records to publish. */
import type { DlqMessage, TransactionMessage } from '../message/schema.ts'
import { SCHEMA_VERSION } from '../message/version.ts'
import { dlqRecord, recordHeaders } from '../publish/records.ts'
import type { EncodedRecord } from '../publish/types.ts'

/** A growable byte buffer that UTF-8-encodes text into itself; the server's is Buffer-backed. */
export type TextSink = {
  write(text: string): void
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
export function createUnitWriter(ctx: LineContext, records: number, newSink: NewTextSink, bytesPerRecord = BYTES_PER_RECORD) {
  const sink = newSink(Math.max(16 * 1024, Math.ceil(records * bytesPerRecord)))
  const ends = new Uint32Array(records)
  const valueAts = new Uint32Array(records)
  const keys: (string | null)[] = []
  const eventIds: string[] = []
  const [beforeKey, beforeEventId, beforeValue] = transactionTemplate(ctx)
  let n = 0
  let start = 0
  const end = () => {
    sink.byte(0x7d) // the record's closing brace
    ends[n++] = sink.length
    // A line feed between lines (not part of either), so a run of them is a spool write as it is.
    sink.byte(0x0a)
    start = sink.length
  }
  return {
    /**
     * The line JSON.stringify(transactionRecord(...)) gives, from a template: one stringify per
     * record. `rawJson`: the raw payload's JSON as it came, written in place of `raw_payload`
     * (compileMapping puts it last, so the fields keep their order) instead of serialized again.
     */
    transaction(m: TransactionMessage, rawJson?: string): void {
      sink.write(beforeKey + jsonString(`${m.provider}:${m.transaction_id}`) + beforeEventId + jsonString(m.event_id) + beforeValue)
      valueAts[n] = sink.length - start
      if (rawJson === undefined) sink.write(JSON.stringify(m))
      else {
        // Left out of the stringify (an undefined field is skipped), then written after it.
        const withRaw = m as { raw_payload: unknown }
        const raw = withRaw.raw_payload
        withRaw.raw_payload = undefined
        const head = JSON.stringify(m)
        withRaw.raw_payload = raw
        sink.write(head.slice(0, -1))
        sink.write(RAW_PAYLOAD_KEY)
        sink.write(rawJson)
        sink.byte(0x7d)
      }
      keys.push(m.idempotency_key)
      eventIds.push(m.event_id)
      end()
    },
    dlq(m: DlqMessage): void {
      const { value, ...head } = dlqRecord(ctx.topics.dlq, m, ctx.traceparent)
      sink.write(JSON.stringify({ ...head, value: 0 }).slice(0, -2))
      valueAts[n] = sink.length - start
      sink.write(JSON.stringify(value))
      keys.push(null)
      eventIds.push(m.event_id)
      end()
    },
    finish(): EncodedUnit {
      if (n !== records) throw new Error(`a unit of ${records} records got ${n}`)
      return { bytes: sink.take(), ends, valueAts, keys, eventIds }
    },
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
    return recordHeaders(this.#unit.eventIds[this.#i] as string, this.#ctx.provider, 'batch', SCHEMA_VERSION, this.#ctx.traceparent, undefined)
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
  return {
    write(text) {
      room(text.length * 3)
      at += encoder.encodeInto(text, buf.subarray(at)).written
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

// --- Internal helpers ---

const RAW_PAYLOAD_KEY = ',"raw_payload":'

// What JSON.stringify escapes: quote, backslash, controls, surrogates (pairs take the slow path too).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** A string as JSON: the same text as JSON.stringify, without its call for a plain string. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`
}

/**
 * A transaction record's JSON around its key, event id and value, cut from JSON.stringify of a
 * record with marker values, so the line is exactly what JSON.stringify of the record gives.
 */
function transactionTemplate(ctx: LineContext): [string, string, string] {
  const KEY = '\u0000key'
  const EVENT_ID = '\u0000event_id'
  const sample = JSON.stringify({
    topic: ctx.topics.batch,
    key: KEY,
    headers: recordHeaders(EVENT_ID, ctx.provider, 'batch', SCHEMA_VERSION, ctx.traceparent, undefined),
    value: 0,
  })
  const [beforeKey, rest = ''] = sample.split(JSON.stringify(KEY))
  const [beforeEventId, tail = ''] = rest.split(JSON.stringify(EVENT_ID))
  return [beforeKey as string, beforeEventId as string, tail.slice(0, -2)]
}
