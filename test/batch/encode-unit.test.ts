import { describe, expect, it } from 'vitest'
import {
  compileTransactionLine,
  createUnitWriter,
  portableTextSink,
  unitRecord,
  type EncodedUnit,
  type LineContext,
  type NewTextSink,
} from '../../src/batch/encode-unit.ts'
import type { MappedFields } from '../../src/batch/record.ts'
import type { DlqMessage, TransactionMessage } from '../../src/message/schema.ts'
import { decodeRecord, recordJson, valueBytes, valueJson } from '../../src/publish/encode.ts'
import { v2Body, v3Json } from '../../src/publish/kafka-rest-wire.ts'
import { dlqRecord, transactionRecord } from '../../src/publish/records.ts'
import { bufferTextSink } from '../../src/runtime/server/batch/text-sink.ts'
import { recordLines } from '../../src/runtime/server/record-lines.ts'

const ctx: LineContext = {
  provider: 'bank',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  topics: { batch: 'transactions.batch', dlq: 'transactions.dlq' },
}
const message = (id: string, raw: Record<string, unknown> = { id }, tenant: string | null = null): TransactionMessage => ({
  schema_version: '1.0',
  event_id: '01935b4e-7c3a-7def-8123-456789abcdef',
  ingestion_timestamp: '2026-11-22T12:00:00.000Z',
  provider: 'bank',
  source: 'batch',
  event_type: 'batch_record',
  transaction_id: id,
  timestamp: '2023-03-22T13:53:51.000Z',
  amount: 1099,
  currency: 'EUR',
  status: 'settled',
  payment_method: 'card',
  customer_id: 'c\n1',
  tenant_id: tenant,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  idempotency_key: `bank:${id}`,
  raw_payload: raw,
})
const bad: DlqMessage = {
  schema_version: '1.0',
  event_id: '01935b4e-7c3a-7def-8123-456789abcd00',
  failed_at: '2026-11-22T12:00:00.000Z',
  provider: 'bank',
  source: 'batch',
  event_type: null,
  idempotency_key: null,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  reason: 'amount (column "AMT") is empty',
  raw: { id: 'T3', AMT: '' },
  location: { file: 'f.csv', line: 4 },
}
// Ids JSON must escape, non-ASCII, a surrogate pair, and a value far past the 1 KiB-per-record guess.
const messages = [message('T "1" é'), message('T\\2 😀'), message('T4', { blob: 'ü'.repeat(3000) })]
const plain = [transactionRecord(ctx.topics.batch, messages[0]!, ctx.traceparent), transactionRecord(ctx.topics.batch, messages[1]!, ctx.traceparent), dlqRecord(ctx.topics.dlq, bad, ctx.traceparent), transactionRecord(ctx.topics.batch, messages[2]!, ctx.traceparent)]

// The job's line template, for the messages' shared fields (ingestion time, trace id).
const line = compileTransactionLine({ ...ctx, tenantId: null, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', ingestedAt: Date.parse('2026-11-22T12:00:00.000Z') })
const fields = (m: TransactionMessage): MappedFields => ({
  transactionId: m.transaction_id,
  timestamp: m.timestamp,
  amount: m.amount,
  currency: m.currency,
  status: m.status,
  paymentMethod: m.payment_method,
  customerId: m.customer_id,
  tenantId: m.tenant_id,
  eventType: m.event_type,
})
type Writer = ReturnType<typeof createUnitWriter>
const write = (w: Writer, m: TransactionMessage, rawJson = JSON.stringify(m.raw_payload)) => w.mapped(line, fields(m), m.event_id, rawJson)

function encode(sink: NewTextSink) {
  const w = createUnitWriter(ctx, 4, sink)
  write(w, messages[0]!)
  write(w, messages[1]!)
  w.dlq(bad)
  write(w, messages[2]!)
  return w.finish()
}

const records = (unit: EncodedUnit) => unit.keys.map((key, i) => ({ key, record: unitRecord(unit, i, ctx) }))

describe('batch: a unit written as JSON lines', () => {
  for (const [name, sink] of [['Buffer', bufferTextSink], ['TextEncoder', portableTextSink]] as const) {
    it(`gives each record exactly the JSON of its object form (${name} sink)`, () => {
      const built = records(encode(sink))
      expect(built.map((b) => b.key)).toEqual(['bank:T "1" é', 'bank:T\\2 😀', null, 'bank:T4'])
      built.forEach((b, i) => {
        const p = plain[i]!
        expect(recordJson(b.record)).toBe(JSON.stringify(p))
        expect(decodeRecord(b.record)).toEqual(p)
        expect(valueJson(b.record)).toBe(JSON.stringify(p.value))
        expect(new TextDecoder().decode(valueBytes(b.record))).toBe(JSON.stringify(p.value))
        expect(b.record.headers).toEqual(p.headers)
        expect(b.record.key).toBe(p.key)
        expect(b.record.topic).toBe(p.topic)
      })
    })
  }

  it('reaches the REST bridge and the spool exactly as object records do', () => {
    const encoded = records(encode(bufferTextSink)).map((b) => b.record)
    encoded.forEach((r, i) => expect(v3Json(r)).toBe(v3Json(plain[i]!)))
    expect(v2Body(encoded)).toBe(v2Body(plain))
    const text = (parts: Uint8Array[]) => Buffer.concat(parts).toString()
    expect(text(recordLines(encoded))).toBe(plain.map((p) => JSON.stringify(p) + '\n').join(''))
    expect(text(recordLines([...encoded, ...plain]))).toBe([...plain, ...plain].map((p) => JSON.stringify(p) + '\n').join(''))
  })

  it('hands the spool a run of lines as one view of the unit, split only where a record was left out', () => {
    const encoded = records(encode(bufferTextSink)).map((b) => b.record)
    const whole = recordLines(encoded)
    expect(whole).toHaveLength(1)
    expect(whole[0]!.buffer).toBe(encoded[0]!.line.buffer) // a view, not a copy
    const gap = recordLines([encoded[0]!, encoded[2]!, encoded[3]!]) // a duplicate dropped between them
    expect(gap).toHaveLength(2)
    expect(Buffer.concat(gap).toString()).toBe([plain[0], plain[2], plain[3]].map((p) => JSON.stringify(p) + '\n').join(''))
    // A line with no line feed after it in its buffer gets one of its own.
    const alone = { ...encoded[1]!, line: encoded[1]!.line.slice() }
    expect(Buffer.concat(recordLines([alone])).toString()).toBe(JSON.stringify(plain[1]) + '\n')
  })

  it("writes a row's raw JSON as it came in place of raw_payload, the other fields as before", () => {
    const raw = { id: 'T5', amount: 12345678901234567890, note: 'é' }
    const rawJson = '{ "id": "T5", "amount": 12345678901234567890, "note": "\\u00e9" }'
    const w = createUnitWriter(ctx, 2, bufferTextSink)
    write(w, message('T5', raw), rawJson)
    write(w, message('T5', raw))
    const [asCame, serialized] = records(w.finish()).map((b) => b.record)
    const expected = JSON.stringify(transactionRecord(ctx.topics.batch, message('T5', raw), ctx.traceparent))
    // The same line with the raw payload's own bytes (its spacing, its big number) instead of a re-serialization.
    expect(recordJson(asCame!)).toBe(expected.replace(JSON.stringify(raw), rawJson))
    expect(recordJson(serialized!)).toBe(expected)
    expect(JSON.parse(valueJson(asCame!)).raw_payload).toEqual(raw)
  })

  it("carries a record's tenant in its line and its headers (a tenant_id header), as transactionRecord does", () => {
    const tenanted = [message('T6', { id: 'T6' }, 'acme "eu"'), message('T7'), message('T8', { id: 'T8' }, 'globex')]
    const w = createUnitWriter(ctx, 4, bufferTextSink)
    write(w, tenanted[0]!)
    write(w, tenanted[1]!)
    w.dlq(bad)
    write(w, tenanted[2]!)
    const built = records(w.finish()).map((b) => b.record)
    const expected = [
      transactionRecord(ctx.topics.batch, tenanted[0]!, ctx.traceparent),
      transactionRecord(ctx.topics.batch, tenanted[1]!, ctx.traceparent),
      dlqRecord(ctx.topics.dlq, bad, ctx.traceparent),
      transactionRecord(ctx.topics.batch, tenanted[2]!, ctx.traceparent),
    ]
    built.forEach((r, i) => {
      expect(recordJson(r)).toBe(JSON.stringify(expected[i]))
      expect(r.headers).toEqual(expected[i]!.headers)
    })
    expect(built[0]!.headers['tenant_id']).toBe('acme "eu"')
    expect(built[1]!.headers['tenant_id']).toBeUndefined()
  })

  it('refuses to hand over a unit with fewer records than announced', () => {
    const w = createUnitWriter(ctx, 2, bufferTextSink)
    write(w, messages[0]!)
    expect(() => w.finish()).toThrow(/2 records got 1/)
  })
})
