import { describe, expect, it } from 'vitest'
import type { BatchMapping } from '../../src/batch/mapping.ts'
import { compileMapping, type RecordResult } from '../../src/batch/record.ts'
import { TransactionMessage } from '../../src/message/schema.ts'

const base: BatchMapping = {
  column_mapping: {
    transaction_id: 'txn_id',
    timestamp: 'ts',
    amount: 'amount',
    currency: 'ccy',
    status: 'status',
    payment_method: 'method',
    customer_id: 'cust',
  },
}
const ctx = { provider: 'acme', tenantId: null, traceId: '0af7651916cd43dd8448eb211c80319c', ingestedAt: Date.UTC(2026, 0, 2) }
const row = { txn_id: 't1', ts: '2024-05-01T10:00:00Z', amount: '12.34', ccy: 'usd', status: 'SETTLED', method: 'Card', cust: 'c9' }

const ok = (r: RecordResult) => {
  if (!r.ok) throw new Error(r.reason)
  return r.message
}
const reason = (r: RecordResult) => (r.ok ? 'ok' : r.reason)

describe('batch: record → TransactionMessage', () => {
  it('builds a message the TransactionMessage schema accepts', () => {
    const m = ok(compileMapping(base, ctx)(row))
    expect(TransactionMessage.parse(m)).toEqual(m)
    expect(m).toMatchObject({
      source: 'batch',
      provider: 'acme',
      transaction_id: 't1',
      timestamp: '2024-05-01T10:00:00.000Z',
      amount: 1234,
      currency: 'USD',
      status: 'settled',
      payment_method: 'card',
      customer_id: 'c9',
      idempotency_key: 'acme:t1',
      event_type: 'batch_record',
      raw_payload: row,
    })
  })

  it('keeps minor units as they are with keep_as_integer', () => {
    const map = compileMapping({ ...base, transformations: { amount: 'keep_as_integer' } }, ctx)
    expect(ok(map({ ...row, amount: '1099' })).amount).toBe(1099)
    expect(reason(map({ ...row, amount: '10.99' }))).toMatch(/not an integer/)
  })

  it('converts zero- and three-decimal currencies by their ISO 4217 exponent', () => {
    const map = compileMapping(base, ctx)
    expect(ok(map({ ...row, amount: '1500', ccy: 'JPY' })).amount).toBe(1500)
    expect(ok(map({ ...row, amount: '1.234', ccy: 'KWD' })).amount).toBe(1234)
    expect(reason(map({ ...row, amount: '1.5', ccy: 'JPY' }))).toMatch(/more decimal places than JPY/)
  })

  it('reads Unix seconds and Unix milliseconds', () => {
    const secs = compileMapping({ ...base, transformations: { timestamp: 'unix_to_iso8601' } }, ctx)
    const millis = compileMapping({ ...base, transformations: { timestamp: 'unix_millis_to_iso8601' } }, ctx)
    expect(ok(secs({ ...row, ts: '1714557600' })).timestamp).toBe('2024-05-01T10:00:00.000Z')
    expect(ok(millis({ ...row, ts: '1714557600123' })).timestamp).toBe('2024-05-01T10:00:00.123Z')
    expect(reason(millis({ ...row, ts: '2024-05-01' }))).toMatch(/not a valid time/)
  })

  it('reads a declared custom format as UTC and refuses impossible dates', () => {
    const map = compileMapping({ ...base, transformations: { timestamp: 'format:DD/MM/YYYY HH:mm:ss' } }, ctx)
    expect(ok(map({ ...row, ts: '01/05/2024 10:00:07' })).timestamp).toBe('2024-05-01T10:00:07.000Z')
    expect(reason(map({ ...row, ts: '31/02/2024 10:00:07' }))).toMatch(/not a valid time/)
    expect(reason(map({ ...row, ts: '2024-05-01T10:00:00Z' }))).toMatch(/not a valid time/)
  })

  it('takes constant defaults for fields a file does not carry', () => {
    const { payment_method: _, ...cols } = base.column_mapping
    const map = compileMapping({ ...base, column_mapping: cols, defaults: { payment_method: 'bank_transfer', event_type: 'payout' } }, ctx)
    expect(ok(map(row))).toMatchObject({ payment_method: 'bank_transfer', event_type: 'payout' })
  })

  it('reads dotted paths into nested records (NDJSON, Parquet structs)', () => {
    const map = compileMapping({ ...base, column_mapping: { ...base.column_mapping, transaction_id: 'data.id' } }, ctx)
    expect(ok(map({ ...row, data: { id: 'nested-1' } })).transaction_id).toBe('nested-1')
  })

  it('says which column is wrong when a record cannot be a message', () => {
    const map = compileMapping(base, ctx)
    expect(reason(map({ ...row, txn_id: ' ' }))).toMatch(/transaction_id \(column "txn_id"\) is empty/)
    expect(reason(map({ ...row, ccy: 'ZZZ' }))).toMatch(/unknown ISO 4217 currency/)
    expect(reason(map({ ...row, amount: '' }))).toMatch(/amount \(column "amount"\) is empty/)
    expect(reason(map({ ...row, amount: '1e3' }))).toMatch(/not a decimal number/)
  })

  it('mints a distinct UUIDv7 event id per record', () => {
    const map = compileMapping(base, ctx)
    const ids = new Set(Array.from({ length: 100 }, () => ok(map(row)).event_id))
    expect(ids.size).toBe(100)
  })
})

describe('batch: event ids', () => {
  it('are UUIDv7 with the ingestion time in their first 48 bits, across pool refills', async () => {
    const { createEventIds } = await import('../../src/batch/event-ids.ts')
    const next = createEventIds()
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
    const ids = Array.from({ length: 10_000 }, () => next(at))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(4090, 4100)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at)
    }
  })
})
