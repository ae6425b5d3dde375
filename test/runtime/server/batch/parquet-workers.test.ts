import { gzipSync } from 'node:zlib'
import { parquetMetadata, type RowGroup } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchMapping } from '../../../../src/batch/mapping.ts'
import { TransactionMessage } from '../../../../src/message/schema.ts'
import { PARQUET_READ_BYTES, PARQUET_UNIT_ROWS, windowRows } from '../../../../src/runtime/server/batch/units.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from './harness.ts'

let h: Harness
afterEach(async () => h?.close())

const PARQUET: BatchMapping = {
  format: 'parquet',
  column_mapping: { transaction_id: 'txn_id', timestamp: 'created_at', amount: 'amount_minor', currency: 'currency', status: 'status', payment_method: 'method', customer_id: 'customer' },
  transformations: { amount: 'keep_as_integer' },
}

/** Written by hyparquet-writer, not by our reader's code: INT64 amounts, TIMESTAMP times, nullable strings. */
function parquetFile(n: number, rowGroupSize: number): Uint8Array {
  const ids = Array.from({ length: n }, (_, i) => `pq_${i}`)
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'txn_id', data: ids, type: 'STRING' },
      { name: 'created_at', data: ids.map((_, i) => new Date(Date.UTC(2024, 4, 1, 10, 0, i % 60))), type: 'TIMESTAMP' },
      { name: 'amount_minor', data: ids.map((_, i) => BigInt(i === 7 ? -1 : 1000 + i)), type: 'INT64' },
      { name: 'currency', data: ids.map((_, i) => (i === 3 ? 'XXX' : i % 2 ? 'JPY' : 'usd')), type: 'STRING' },
      { name: 'status', data: ids.map(() => 'SUCCEEDED'), type: 'STRING' },
      { name: 'method', data: ids.map(() => 'card'), type: 'STRING' },
      { name: 'customer', data: ids.map((_, i) => (i % 5 ? `cus_${i}` : null)), type: 'STRING', nullable: true },
    ],
    rowGroupSize,
  })
  return new Uint8Array(buffer)
}

describe('batch: Parquet files', () => {
  it('reads a Parquet file row group by row group into TransactionMessages', async () => {
    h = await createHarness({ mappings: { lake: PARQUET }, chunkSize: 40 })
    const job = await h.ingest(await h.file('export.parquet', parquetFile(250, 100)), { provider: 'lake' })
    expect(job).toMatchObject({ state: 'succeeded', format: 'parquet', stats: { read: 250, published: 249, dlq: 1 } })
    const txs = h.transactions()
    for (const m of txs) TransactionMessage.parse(m)
    expect(txs[0]).toMatchObject({ transaction_id: 'pq_0', amount: 1000, currency: 'USD', timestamp: '2024-05-01T10:00:00.000Z', customer_id: null, status: 'succeeded' })
    expect(txs[1]).toMatchObject({ transaction_id: 'pq_1', amount: 1001, currency: 'JPY', customer_id: 'cus_1' })
    expect(txs.find((m) => m['transaction_id'] === 'pq_7')?.['amount']).toBe(-1)
    expect(h.dlq()[0]).toMatchObject({ location: { file: 'export.parquet', row: 4 }, reason: expect.stringMatching(/XXX/) })
    expect(txs.map((m) => m['transaction_id'])).toEqual(Array.from({ length: 250 }, (_, i) => `pq_${i}`).filter((id) => id !== 'pq_3'))
  })

  it('reads a gzip\'d Parquet file', async () => {
    h = await createHarness({ mappings: { lake: PARQUET } })
    const job = await h.ingest(await h.file('export.parquet.gz', gzipSync(parquetFile(30, 1000))), { provider: 'lake' })
    expect(job).toMatchObject({ state: 'succeeded', gzip: true, stats: { published: 29 } })
  })

  it('refuses a truncated Parquet file whole', async () => {
    h = await createHarness({ mappings: { lake: PARQUET } })
    const pq = parquetFile(100, 50)
    const job = await h.ingest(await h.file('cut.parquet', pq.subarray(0, pq.length - 20)), { provider: 'lake' })
    expect(job).toMatchObject({ state: 'refused', refusal: 'corrupt_file' })
    expect(h.publisher.records).toHaveLength(0)
  })
})

describe('batch: worker threads', () => {
  it('gives the same records in the same file order with workers as on one thread', { timeout: 60_000 }, async () => {
    const csv = `${ACME_HEADER}\n${acmeRows(3000)}T-bad;x;1;EUR;S;card;C\n${acmeRows(3000, 3000)}`
    const run = async (workers: number) => {
      h = await createHarness({ mappings: { acme: ACME }, workers, chunkSize: 500 })
      Object.assign(h.env, { workerThresholdBytes: 0, blockBytes: 16 * 1024 })
      const job = await h.ingest(await h.file('day.csv', csv))
      const out = { job, ids: h.transactions().map((m) => m['transaction_id']), dlq: h.dlq().map((m) => m['location']) }
      // Unit buffers are reused once their chunk is published; the publisher reads its records
      // only after a wait, while later chunks are built, so a buffer reused too early shows here.
      h.transactions().forEach((m, i) => {
        expect(m).toMatchObject({ transaction_id: `T${i}`, amount: ((i % 1000) * 100) + 50, customer_id: `C${i % 7}` })
        expect(m['raw_payload']).toMatchObject({ TXN_ID: `T${i}` })
      })
      await h.close()
      return out
    }
    const inline = await run(0)
    const pooled = await run(2)
    expect(pooled.job.stats).toMatchObject({ read: 6001, published: 6000, dlq: 1 })
    expect(pooled.ids).toEqual(inline.ids)
    expect(pooled.dlq).toEqual([{ file: 'day.csv', line: 3002 }])
  })

  it('reads a row group of many rows in slices, in file order, on one thread or in workers', { timeout: 60_000 }, async () => {
    // One 25 000-row group: read whole it was ~1 KB of objects and ~1 KB of record per row at once.
    const pq = parquetFile(25_000, 25_000)
    for (const workers of [0, 2]) {
      h = await createHarness({ mappings: { lake: PARQUET }, workers })
      Object.assign(h.env, { workerThresholdBytes: 0 })
      const job = await h.ingest(await h.file('one-group.parquet', pq), { provider: 'lake' })
      expect(job.stats).toMatchObject({ read: 25_000, published: 24_999, dlq: 1 })
      expect(h.transactions().map((m) => m['transaction_id'])).toEqual(Array.from({ length: 25_000 }, (_, i) => `pq_${i}`).filter((id) => id !== 'pq_3'))
      expect(h.dlq()[0]).toMatchObject({ location: { file: 'one-group.parquet', row: 4 } })
      await h.close()
    }
  })

  it('reads wide rows in smaller windows (memory follows the bytes read, not the row count), all of them in order', { timeout: 60_000 }, async () => {
    // ~2 KB a row: 12 000 rows are ~24 MB of column data, three times one window's budget.
    const n = 12_000
    const ids = Array.from({ length: n }, (_, i) => `wide_${i}`)
    const pq = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'txn_id', data: ids, type: 'STRING' },
          { name: 'created_at', data: ids.map(() => new Date(Date.UTC(2024, 4, 1))), type: 'TIMESTAMP' },
          { name: 'amount_minor', data: ids.map((_, i) => BigInt(100 + i)), type: 'INT64' },
          { name: 'currency', data: ids.map(() => 'EUR'), type: 'STRING' },
          { name: 'status', data: ids.map(() => 'SUCCEEDED'), type: 'STRING' },
          { name: 'method', data: ids.map(() => 'sepa'), type: 'STRING' },
          { name: 'customer', data: ids.map((_, i) => `cus_${i}`), type: 'STRING' },
          { name: 'memo', data: ids.map((id) => `${id}:${'m'.repeat(2000)}`), type: 'STRING' },
        ],
        rowGroupSize: n,
      }),
    )
    const metadata = parquetMetadata(pq.buffer as ArrayBuffer)
    const rows = windowRows(metadata.row_groups[0] as RowGroup)
    expect(rows).toBeLessThan(PARQUET_READ_BYTES / 1900)
    expect(rows).toBeGreaterThanOrEqual(PARQUET_UNIT_ROWS)

    h = await createHarness({ mappings: { lake: PARQUET }, workers: 2 })
    Object.assign(h.env, { workerThresholdBytes: 0 })
    const job = await h.ingest(await h.file('wide.parquet', pq), { provider: 'lake' })
    expect(job.stats).toMatchObject({ read: n, published: n, dlq: 0 })
    expect(h.transactions().map((m) => m['transaction_id'])).toEqual(ids)
  })

  it('reads Parquet row groups in workers', { timeout: 60_000 }, async () => {
    h = await createHarness({ mappings: { lake: PARQUET }, workers: 2 })
    Object.assign(h.env, { workerThresholdBytes: 0 })
    const job = await h.ingest(await h.file('export.parquet', parquetFile(500, 100)), { provider: 'lake' })
    expect(job.stats).toMatchObject({ read: 500, published: 499 })
    expect(h.transactions()[498]?.['transaction_id']).toBe('pq_499')
  })
})
