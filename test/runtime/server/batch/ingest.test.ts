import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { DlqMessage, TransactionMessage } from '../../../../src/message/schema.ts'
import type { BatchMapping } from '../../../../src/batch/mapping.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from './harness.ts'

let h: Harness
afterEach(async () => h?.close())

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** A comma-separated layout with ISO timestamps and free-text fields (quoted commas and newlines). */
const SHOP: BatchMapping = {
  column_mapping: { transaction_id: 'id', timestamp: 'at', amount: 'amount', currency: 'currency', status: 'status', payment_method: 'method' },
}

describe('batch: CSV files', () => {
  it('publishes every good record to transactions.batch and a bad row in the middle to the DLQ, and goes on', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const path = await h.file('day.csv', `${ACME_HEADER}\n${acmeRows(50)}T-bad;yesterday;1.00;EUR;SETTLED;card;C1\n${acmeRows(49, 50)}`)
    const job = await h.ingest(path)
    expect(job).toMatchObject({ state: 'succeeded', format: 'csv', gzip: false })
    expect(job.stats).toMatchObject({ read: 100, published: 99, dlq: 1, duplicates: 0 })
    const txs = h.transactions()
    expect(txs).toHaveLength(99)
    for (const m of txs) TransactionMessage.parse(m)
    expect(txs[0]).toMatchObject({
      source: 'batch',
      provider: 'acme',
      transaction_id: 'T0',
      timestamp: '2024-05-01T10:00:00.000Z',
      amount: 50,
      currency: 'EUR',
      status: 'settled',
      idempotency_key: 'acme:T0',
    })
    expect(txs.at(-1)?.['transaction_id']).toBe('T98')
    const [dlq] = h.dlq()
    expect(DlqMessage.parse(dlq)).toMatchObject({
      source: 'batch',
      reason: expect.stringMatching(/timestamp "yesterday" \(column "TXN_DATE"\) is not a valid time/),
      location: { file: 'day.csv', line: 52 },
      raw: { TXN_ID: 'T-bad', TXN_DATE: 'yesterday' },
    })
    expect(h.publisher.records.find((r) => r.value.event_id === (txs[0]?.['event_id'] as string))?.key).toBe('acme:T0')
  })

  it('keeps file order and publishes in chunks of the configured size', async () => {
    h = await createHarness({ mappings: { acme: ACME }, chunkSize: 100 })
    let calls = 0
    const publish = h.publisher.publish.bind(h.publisher)
    h.publisher.publish = async (records) => {
      calls++
      expect(records.length).toBeLessThanOrEqual(100)
      return publish(records)
    }
    const job = await h.ingest(await h.file('big.csv', ACME_HEADER + '\n' + acmeRows(1050)))
    expect(job.stats.published).toBe(1050)
    expect(calls).toBe(11)
    expect(h.transactions().map((m) => m['transaction_id'])).toEqual(Array.from({ length: 1050 }, (_, i) => `T${i}`))
  })

  it('reads CRLF line endings, a BOM, and quoted fields with embedded delimiters and newlines', async () => {
    h = await createHarness({ mappings: { acme: SHOP } })
    const csv =
      '\uFEFFid,at,amount,currency,status,method,note\r\n' +
      'a1,2024-05-01T10:00:00Z,10.00,USD,paid,card,"gift, wrapped"\r\n' +
      'a2,2024-05-01T10:01:00Z,"1,5",USD,paid,card,"two\r\nlines"\r\n' +
      'a3,2024-05-01T10:02:00Z,3.50,USD,paid,card,"he said ""hi"""\r\n' +
      'a4,2024-05-01T10:03:00+02:00,4.00,USD,paid,card,plain\r\n'
    const job = await h.ingest(await h.file('shop.csv', csv))
    expect(job.stats).toMatchObject({ read: 4, published: 3, dlq: 1 })
    const txs = h.transactions()
    expect(txs.map((m) => m['transaction_id'])).toEqual(['a1', 'a3', 'a4'])
    expect(txs[0]?.['raw_payload']).toMatchObject({ id: 'a1', note: 'gift, wrapped' })
    expect(txs[1]?.['raw_payload']).toMatchObject({ note: 'he said "hi"' })
    expect(txs[2]?.['timestamp']).toBe('2024-05-01T08:03:00.000Z')
    // "1,5" is not a decimal amount: the row's line is where it starts, though its note spans two.
    expect(h.dlq()[0]).toMatchObject({ location: { line: 3 }, raw: { id: 'a2', note: 'two\r\nlines' } })
  })

  it('accepts a header-only file as a job with no records', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const job = await h.ingest(await h.file('quiet-day.csv', ACME_HEADER + '\n'))
    expect(job).toMatchObject({ state: 'succeeded', stats: { read: 0, published: 0 } })
  })

  it('refuses an empty file whole', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const job = await h.ingest(await h.file('empty.csv', ''))
    expect(job).toMatchObject({ state: 'refused', refusal: 'empty_file' })
    expect(h.publisher.records).toHaveLength(0)
  })

  it('refuses a file that ends inside a quoted field before publishing anything', async () => {
    h = await createHarness({ mappings: { acme: SHOP } })
    const job = await h.ingest(await h.file('cut.csv', 'id,at,amount,currency,status,method\nb1,2024-05-01T10:00:00Z,1.00,USD,paid,"card\n'))
    expect(job).toMatchObject({ state: 'refused', refusal: 'corrupt_file' })
    expect(h.publisher.records).toHaveLength(0)
  })

  it('sends a row with the wrong number of fields to the DLQ with its line', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const job = await h.ingest(await h.file('short.csv', `${ACME_HEADER}\n${acmeRows(2)}T9;1714557600;1.00\n${acmeRows(2, 2)}`))
    expect(job.stats).toMatchObject({ published: 4, dlq: 1 })
    expect(h.dlq()[0]).toMatchObject({ reason: 'record has 3 fields, the header has 7', location: { line: 4 } })
  })

  it('reads Unix-millisecond timestamps and zero- and three-decimal currencies', async () => {
    const mapping: BatchMapping = { ...ACME, transformations: { timestamp: 'unix_millis_to_iso8601', amount: 'decimal_to_minor' } }
    h = await createHarness({ mappings: { acme: mapping } })
    const rows = ['J1;1714557600123;1500;JPY;ok;card;c', 'K1;1714557600000;1.250;KWD;ok;card;c', 'J2;1714557600000;15.5;JPY;ok;card;c']
    const job = await h.ingest(await h.file('fx.csv', `${ACME_HEADER}\n${rows.join('\n')}\n`))
    expect(job.stats).toMatchObject({ published: 2, dlq: 1 })
    expect(h.transactions()).toMatchObject([
      { amount: 1500, currency: 'JPY', timestamp: '2024-05-01T10:00:00.123Z' },
      { amount: 1250, currency: 'KWD' },
    ])
    expect(h.dlq()[0]?.['reason']).toMatch(/more decimal places than JPY allows \(0\)/)
  })

  it('reads a headerless file by the mapping\'s column names', async () => {
    const mapping: BatchMapping = { ...ACME, header_row: false, columns: ACME_HEADER.split(';') }
    h = await createHarness({ mappings: { acme: mapping } })
    const job = await h.ingest(await h.file('nohead.csv', acmeRows(3)))
    expect(job.stats.published).toBe(3)
    expect(h.dlq()).toHaveLength(0)
  })
})

describe('batch: integrity gate', () => {
  it('detects gzip by its magic bytes, whatever the name', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const job = await h.ingest(await h.file('day.csv', `${ACME_HEADER}\n${acmeRows(20)}`, { gzip: true }))
    expect(job).toMatchObject({ state: 'succeeded', gzip: true, stats: { published: 20 } })
  })

  it('refuses a truncated gzip whole: nothing is published', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const gz = gzipSync(new TextEncoder().encode(`${ACME_HEADER}\n${acmeRows(5000)}`))
    const job = await h.ingest(await h.file('cut.csv.gz', gz.subarray(0, Math.floor(gz.length * 0.7))))
    expect(job).toMatchObject({ state: 'refused', refusal: 'corrupt_gzip' })
    expect(job.reason).toMatch(/truncated or corrupt/)
    expect(h.publisher.records).toHaveLength(0)
  })

  it('refuses a file whose SHA-256 differs from the supplied checksum, and takes the right one', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const path = await h.file('day.csv', `${ACME_HEADER}\n${acmeRows(3)}`)
    const wrong = await h.ingest(path, { checksum: '0'.repeat(64) })
    expect(wrong).toMatchObject({ state: 'refused', refusal: 'checksum_mismatch' })
    expect(h.publisher.records).toHaveLength(0)
    const right = await h.ingest(path, { checksum: sha256(await readFile(path)) })
    expect(right).toMatchObject({ state: 'succeeded', checksum: `sha256:${sha256(await readFile(path))}` })
  })

  it('refuses a file already ingested (same checksum) unless forced, and dedupes its records when forced', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const path = await h.file('day.csv', `${ACME_HEADER}\n${acmeRows(10)}`)
    const first = await h.ingest(path)
    const again = await h.ingest(path)
    expect(again).toMatchObject({ state: 'refused', refusal: 'duplicate_file' })
    expect(again.reason).toContain(first.id)
    const forced = await h.ingest(path, { force: true })
    expect(forced).toMatchObject({ state: 'succeeded', stats: { published: 0, duplicates: 10 } })
    expect(h.transactions()).toHaveLength(10)
  })

  it('publishes only the new records of a file that overlaps an earlier one', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    await h.ingest(await h.file('mon.csv', `${ACME_HEADER}\n${acmeRows(10)}`))
    const tue = await h.ingest(await h.file('tue.csv', `${ACME_HEADER}\n${acmeRows(10, 5)}`))
    expect(tue.stats).toMatchObject({ published: 5, duplicates: 5 })
    expect(h.transactions().map((m) => m['transaction_id'])).toEqual(Array.from({ length: 15 }, (_, i) => `T${i}`))
  })

  it('refuses a provider without a batch mapping', async () => {
    h = await createHarness()
    const job = await h.ingest(await h.file('x.csv', 'a\n1\n'), { provider: 'nobody' })
    expect(job).toMatchObject({ state: 'refused', refusal: 'no_mapping' })
  })

  it('fails the job when publishing fails, and lets the same file be sent again', async () => {
    h = await createHarness({ mappings: { acme: ACME } })
    const path = await h.file('day.csv', `${ACME_HEADER}\n${acmeRows(10)}`)
    h.publisher.failWith = new Error('kafka and spool down')
    expect(await h.ingest(path)).toMatchObject({ state: 'failed', reason: 'kafka and spool down' })
    h.publisher.failWith = undefined
    expect(await h.ingest(path)).toMatchObject({ state: 'succeeded', stats: { published: 10 } })
  })
})

describe('batch: providers\' layouts', () => {
  it('reads a Stripe payments export with the mapping in providers/stripe.ts', async () => {
    h = await createHarness()
    const csv =
      'id,Description,Created (UTC),Amount,Amount Refunded,Currency,Status,Customer ID\n' +
      'ch_3MtwBwLkdIwHu7ix28a3tqPa,"Order 1, blue",2023-03-22 13:53:51,10.99,0.00,usd,Paid,cus_NffrFeUfNV2Hib\n' +
      'ch_3MtwBwLkdIwHu7ix28a3tqPb,,2023-03-22 14:00:00,1099,0,jpy,Paid,\n'
    const job = await h.ingest(await h.file('unified_payments.csv', csv), { provider: 'stripe' })
    expect(job.stats).toMatchObject({ published: 2, dlq: 0 })
    expect(h.transactions()).toMatchObject([
      { provider: 'stripe', transaction_id: 'ch_3MtwBwLkdIwHu7ix28a3tqPa', amount: 1099, currency: 'USD', status: 'paid', customer_id: 'cus_NffrFeUfNV2Hib', timestamp: '2023-03-22T13:53:51.000Z', payment_method: 'card' },
      { amount: 1099, currency: 'JPY', customer_id: null },
    ])
  })

  it('reads NDJSON with nested fields, and sends a line that is not JSON to the DLQ', async () => {
    const mapping: BatchMapping = {
      format: 'ndjson',
      column_mapping: { transaction_id: 'txn.id', timestamp: 'created', amount: 'amount_minor', currency: 'txn.currency', status: 'state', payment_method: 'txn.method' },
      transformations: { timestamp: 'unix_to_iso8601', amount: 'keep_as_integer' },
    }
    h = await createHarness({ mappings: { wallet: mapping } })
    const line = (i: number) => JSON.stringify({ txn: { id: `w${i}`, currency: 'INR', method: 'UPI' }, created: 1714557600 + i, amount_minor: 100 * i, state: 'CAPTURED' })
    const job = await h.ingest(await h.file('w.jsonl', `${line(1)}\n{"txn": \n${line(2)}\n`), { provider: 'wallet' })
    expect(job).toMatchObject({ format: 'ndjson', stats: { published: 2, dlq: 1 } })
    expect(h.transactions()[1]).toMatchObject({ transaction_id: 'w2', amount: 200, currency: 'INR', payment_method: 'upi', status: 'captured' })
    expect(h.dlq()[0]).toMatchObject({ location: { line: 2 }, raw: '{"txn":', reason: expect.stringMatching(/not JSON/) })
  })
})
