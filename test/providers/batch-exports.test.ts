import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { TransactionMessage } from '../../src/message/schema.ts'
import { createHarness, type Harness } from '../runtime/server/batch/harness.ts'

// A provider's settlement/report export, in the documentation's shape (test/fixtures/providers/),
// ingested through the batch path with the mapping in its module and no mapping file: exact minor
// units for the currency's exponent, the provider's status, and a bad row to the DLQ alone.

const fixture = (name: string) => readFile(new URL(`../fixtures/providers/${name}`, import.meta.url), 'utf8')
const lines = (...rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('')

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Ingests the fixture followed by `extra` lines as `provider`; returns the job, published messages and DLQ records. */
async function ingest(provider: string, fixtureName: string, extra: string) {
  h = await createHarness()
  const job = await h.ingest(await h.file(`export-${provider}.ndjson`, `${await fixture(fixtureName)}${extra}`), { provider })
  const txs = h.transactions()
  for (const m of txs) expect(TransactionMessage.safeParse(m).success).toBe(true)
  return { job, txs, dlq: h.dlq() }
}

describe('provider batch exports', () => {
  it('razorpay: settlement recon items, amounts already in paise; a fractional amount goes to the DLQ', async () => {
    const bad = { entity_id: 'pay_BAD', type: 'payment', amount: 970.5, currency: 'INR', created_at: 1567692556, method: 'upi' }
    const { job, txs, dlq } = await ingest('razorpay', 'razorpay-settlement-recon.ndjson', lines(bad))
    expect(job).toMatchObject({ state: 'succeeded', format: 'ndjson', stats: { read: 5, published: 4, dlq: 1 } })
    expect(txs).toMatchObject([
      { provider: 'razorpay', source: 'batch', transaction_id: 'pay_DEXrnipqTmWVGE', amount: 100000, currency: 'INR', status: 'payment', event_type: 'payment', payment_method: 'card', timestamp: '2019-09-05T14:09:16.000Z', customer_id: null, idempotency_key: 'razorpay:pay_DEXrnipqTmWVGE' },
      { transaction_id: 'rfnd_DGRcGzZSLyEdg1', amount: 242500, status: 'refund', payment_method: 'card' },
      // Transfers and adjustments name no method.
      { transaction_id: 'trf_DEUoCEtdsJgvl7', amount: 100000, status: 'transfer', payment_method: 'unknown' },
      { transaction_id: 'adj_EhcHONhX4ChgNC', amount: 1012, status: 'adjustment', payment_method: 'unknown' },
    ])
    expect(dlq).toMatchObject([{ location: { line: 5 }, reason: expect.stringMatching(/970\.5 is not an integer number of minor units/) }])
  })

  it("mollie: a settlement's payments and refunds, decimal amounts to the currency's exponent; a JPY amount with cents goes to the DLQ", async () => {
    const jpy = (id: string, value: string) => ({ resource: 'payment', id, createdAt: '2018-03-20T09:13:37+00:00', status: 'paid', amount: { value, currency: 'JPY' }, method: 'creditcard', customerId: 'cst_8wmqcHMN4U' })
    const { job, txs, dlq } = await ingest('mollie', 'mollie-settlement-payments.ndjson', lines(jpy('tr_JPY', '1500'), jpy('tr_BAD', '10.50')))
    expect(job).toMatchObject({ state: 'succeeded', stats: { read: 4, published: 3, dlq: 1 } })
    expect(txs).toMatchObject([
      { provider: 'mollie', transaction_id: 'tr_7UhSN1zuXS', amount: 7500, currency: 'GBP', status: 'paid', event_type: 'payment', payment_method: 'ideal', timestamp: '2018-02-12T11:58:35.000Z', customer_id: null },
      // A refund carries no method.
      { transaction_id: 're_4qqhO89gsT', amount: 595, currency: 'EUR', status: 'refunded', event_type: 'refund', payment_method: 'unknown' },
      { transaction_id: 'tr_JPY', amount: 1500, currency: 'JPY', payment_method: 'creditcard', customer_id: 'cst_8wmqcHMN4U' },
    ])
    expect(dlq).toMatchObject([{ location: { line: 4 }, reason: expect.stringMatching(/more decimal places than JPY allows \(0\)/) }])
  })

  it('square: payout entries, signed amounts in the smallest unit; an entry without a currency goes to the DLQ', async () => {
    const jpy = { id: 'poe_JPY', payout_id: 'po_JPY', effective_at: '2022-03-24T12:07:09+09:00', type: 'CHARGE', gross_amount_money: { amount: 1500, currency_code: 'JPY' } }
    const bad = { id: 'poe_BAD', payout_id: 'po_BAD', effective_at: '2022-03-24T03:07:09Z', type: 'CHARGE', gross_amount_money: { amount: 100 } }
    const { job, txs, dlq } = await ingest('square', 'square-payout-entries.ndjson', lines(jpy, bad))
    expect(job).toMatchObject({ state: 'succeeded', stats: { read: 5, published: 4, dlq: 1 } })
    expect(txs).toMatchObject([
      { provider: 'square', transaction_id: 'poe_1a2b3c4d5e6f7g8h9i0j', amount: 15000, currency: 'USD', status: 'charge', event_type: 'CHARGE', payment_method: 'unknown', timestamp: '2022-03-24T03:07:09.000Z' },
      { transaction_id: 'poe_0a1b2c3d4e5f6g7h8i9j', amount: -5000, currency: 'USD', status: 'refund' },
      { transaction_id: 'poe_5DhstmLsgJD0x3Cym3Cnislc0KM', amount: 100, currency: 'EUR', status: 'adjustment' },
      { transaction_id: 'poe_JPY', amount: 1500, currency: 'JPY', timestamp: '2022-03-24T03:07:09.000Z' },
    ])
    expect(dlq).toMatchObject([{ location: { line: 5 }, reason: expect.stringMatching(/currency \(column "gross_amount_money.currency_code"\) is empty/) }])
  })
})
