import { describe, expect, it } from 'vitest'
import { buildCsvRecords, buildRecords, createRowEncoder, type BuildContext, type SourceRow } from '../../src/batch/build.ts'
import { unitRecord, type EncodedUnit } from '../../src/batch/encode-unit.ts'
import type { BatchMapping } from '../../src/batch/mapping.ts'
import { compileMapping } from '../../src/batch/record.ts'
import { restampEventIds } from '../../src/batch/restamp.ts'
import { TransactionMessage } from '../../src/message/schema.ts'
import { decodeRecord, recordJson } from '../../src/publish/encode.ts'
import { transactionRecord } from '../../src/publish/records.ts'
import { bufferTextSink } from '../../src/runtime/server/batch/text-sink.ts'

const mapping: BatchMapping = {
  column_mapping: {
    transaction_id: 'txn_id',
    timestamp: 'ts',
    amount: 'amount',
    currency: 'ccy',
    status: 'status',
    payment_method: 'method',
    customer_id: 'cust',
    tenant_id: 'tenant',
  },
}
const ctx: BuildContext = {
  provider: 'acme',
  tenantId: null,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  ingestedAt: Date.UTC(2026, 0, 2),
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  topics: { batch: 'transactions.batch', dlq: 'transactions.dlq' },
  file: 'settle.csv',
  position: 'line',
}
// An integer-like column (JS puts it first in an object) and a repeated one (the last cell wins).
const header = ['txn_id', 'ts', 'amount', 'ccy', 'status', 'method', 'cust', 'tenant', 'note', '7', 'note']
const lines = [
  't1,2024-05-01T10:00:00Z,12.34,usd,SETTLED,Card,c9,,first,x,last',
  't2,2024-05-01T10:00:00Z,1.00,EUR,pending,card,,globex,tab\there,y,back\\slash\u0001',
  '',
  't3,2024-05-01T10:00:01Z,5,JPY,ok,wallet,ü,,€ 😀,z,n\r',
  't4,2024-05-01T10:00:02Z,1',
  't5,2024-05-01T10:00:03Z,,usd,ok,card,c,,a,b,c',
]
// The object csv-parse's rows become (parse-block.ts): a repeated column keeps its last cell.
const rowObject = (cells: string[]) => Object.fromEntries(header.map((h) => [h, cells[header.lastIndexOf(h)]]))
const unitJson = (unit: EncodedUnit) => unit.keys.map((_, i) => unitRecord(unit, i, ctx))

/** What each record must be: the message compileMapping builds from the row object, as transactionRecord's JSON. */
function expectedLine(record: Record<string, unknown>, eventId: string, rawJson?: string): string {
  const r = compileMapping(mapping, ctx)(record)
  if (!r.ok) throw new Error(r.reason)
  const m = { ...r.message, event_id: eventId }
  expect(TransactionMessage.parse(m)).toEqual(m)
  const json = JSON.stringify(transactionRecord(ctx.topics.batch, m, ctx.traceparent))
  return rawJson === undefined ? json : json.replace(JSON.stringify(record), rawJson)
}

describe('batch: rows → records', () => {
  it('writes a plain CSV block straight from its cells as the message JSON of the row object, DLQ records for bad rows', () => {
    const unit = buildCsvRecords(lines, 10, { delimiter: ',', header }, createRowEncoder(mapping, ctx), bufferTextSink)
    const records = unitJson(unit)
    expect(records).toHaveLength(5) // the blank line is no record
    const cells = (l: string) => l.replace(/\r$/, '').split(',')
    for (const [i, line] of [[0, 0], [1, 1], [2, 3]] as const) {
      expect(recordJson(records[i]!)).toBe(expectedLine(rowObject(cells(lines[line]!)), unit.eventIds[i]!))
      expect(records[i]!.headers).toEqual(decodeRecord(records[i]!).headers)
    }
    expect(records[1]!.headers['tenant_id']).toBe('globex')
    expect(unit.keys).toEqual(['acme:t1', 'acme:t2', 'acme:t3', null, null])
    const dlq = [3, 4].map((i) => JSON.parse(recordJson(records[i]!)).value)
    expect(dlq[0]).toMatchObject({ reason: 'record has 3 fields, the header has 11', raw: ['t4', '2024-05-01T10:00:02Z', '1'], location: { file: 'settle.csv', line: 14 } })
    expect(dlq[1]).toMatchObject({ reason: 'amount (column "amount") is empty', raw: rowObject(cells(lines[5]!)), location: { line: 15 } })
  })

  it('names the cells of a headerless block "1", "2", ... and keeps a __proto__ column as data', () => {
    const m: BatchMapping = { column_mapping: { transaction_id: '1', timestamp: '2', amount: '3', currency: '4' }, defaults: { status: 'ok', payment_method: 'card' } }
    const unit = buildCsvRecords(['t1;2024-05-01T10:00:00Z;1.5;usd'], 1, { delimiter: ';', header: undefined }, createRowEncoder(m, ctx), bufferTextSink)
    expect(JSON.parse(recordJson(unitJson(unit)[0]!)).value.raw_payload).toEqual({ '1': 't1', '2': '2024-05-01T10:00:00Z', '3': '1.5', '4': 'usd' })
    const proto: BatchMapping = { ...m, column_mapping: { ...m.column_mapping, customer_id: '__proto__' } }
    const evil = buildCsvRecords(['t1;2024-05-01T10:00:00Z;1.5;usd;x'], 1, { delimiter: ';', header: ['1', '2', '3', '4', '__proto__'] }, createRowEncoder(proto, ctx), bufferTextSink)
    const value = JSON.parse(recordJson(unitJson(evil)[0]!)).value
    expect(value.customer_id).toBe('x')
    expect(Object.keys(value.raw_payload)).toEqual(['1', '2', '3', '4', '__proto__'])
  })

  it('writes an NDJSON line as its raw payload as it came, and a row without its text (Parquet) as its JSON', () => {
    const a = { txn_id: 'n1', ts: '2024-05-01T10:00:00Z', amount: '3.10', ccy: 'GBP', status: 'Paid', method: 'card', cust: null, note: { deep: [1, 'é'] } }
    const aText = '{"txn_id":"n1", "ts":"2024-05-01T10:00:00Z", "amount":"3.10","ccy":"GBP","status":"Paid","method":"card","cust":null,"note":{"deep":[1,"\\u00e9"]}}'
    const b = { txn_id: 'n2', ts: '2024-05-01T10:00:00Z', amount: '1', ccy: 'usd', status: 'x', method: 'y', tenant: 'initech' }
    const rows: SourceRow[] = [
      { line: 1, record: a, rawJson: aText },
      { line: 2, record: b },
      { line: 3, bad: 'line is not JSON', raw: '{' },
    ]
    const unit = buildRecords(rows, createRowEncoder(mapping, ctx), bufferTextSink)
    const records = unitJson(unit)
    expect(recordJson(records[0]!)).toBe(expectedLine(a, unit.eventIds[0]!, aText))
    expect(recordJson(records[1]!)).toBe(expectedLine(b, unit.eventIds[1]!))
    expect(records[1]!.headers['tenant_id']).toBe('initech')
    expect(JSON.parse(recordJson(records[2]!)).value).toMatchObject({ reason: 'line is not JSON', raw: '{', location: { line: 3 } })
  })

  it("lets a pulled file's records be restamped: the new event id in the headers and the message alike", () => {
    const unit = buildCsvRecords(lines, 1, { delimiter: ',', header }, createRowEncoder(mapping, ctx), bufferTextSink)
    const ids = (i: number) => `0190f000-0000-7000-8000-${String(i).padStart(12, '0')}`
    restampEventIds(unit, 100, ids)
    unitJson(unit).forEach((r, i) => {
      const { headers, value } = JSON.parse(recordJson(r))
      expect(headers.event_id).toBe(ids(100 + i))
      expect(value.event_id).toBe(ids(100 + i))
      expect(r.headers['event_id']).toBe(ids(100 + i))
    })
  })
})
