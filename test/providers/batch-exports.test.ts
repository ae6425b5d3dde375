import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { TransactionMessage } from '../../src/message/schema.ts'
import { createHarness, type Harness } from '../runtime/server/batch/harness.ts'

// A provider's settlement/report export, in the documentation's shape (test/fixtures/providers/),
// ingested through the batch path with the mapping in its module and no mapping file: exact minor
// units for the currency's exponent, the provider's status, and a bad row to the DLQ alone.

const fixture = (name: string) => readFile(new URL(`../fixtures/providers/${name}`, import.meta.url), 'utf8')

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('provider batch exports', () => {
  it('razorpay: the settlement recon items, amounts already in paise; a fractional amount goes to the DLQ', async () => {
    h = await createHarness()
    const bad = JSON.stringify({ entity_id: 'pay_BAD', type: 'payment', amount: 970.5, currency: 'INR', created_at: 1567692556, method: 'upi' })
    const job = await h.ingest(await h.file('recon-2019-09-11.ndjson', `${await fixture('razorpay-settlement-recon.ndjson')}${bad}\n`), { provider: 'razorpay' })
    expect(job).toMatchObject({ state: 'succeeded', format: 'ndjson', stats: { read: 5, published: 4, dlq: 1 } })
    const txs = h.transactions()
    expect(txs).toMatchObject([
      { provider: 'razorpay', source: 'batch', transaction_id: 'pay_DEXrnipqTmWVGE', amount: 100000, currency: 'INR', status: 'payment', event_type: 'payment', payment_method: 'card', timestamp: '2019-09-05T14:09:16.000Z', customer_id: null },
      { transaction_id: 'rfnd_DGRcGzZSLyEdg1', amount: 242500, status: 'refund', payment_method: 'card' },
      // Transfers and adjustments name no method.
      { transaction_id: 'trf_DEUoCEtdsJgvl7', amount: 100000, status: 'transfer', payment_method: 'unknown' },
      { transaction_id: 'adj_EhcHONhX4ChgNC', amount: 1012, status: 'adjustment', payment_method: 'unknown' },
    ])
    for (const m of txs) expect(TransactionMessage.safeParse(m).success).toBe(true)
    expect(h.dlq()).toMatchObject([{ location: { line: 5 }, reason: expect.stringMatching(/970\.5 is not an integer number of minor units/) }])
  })

  it('mollie: a settlement\'s payments and refunds, decimal amounts to the currency\'s exponent; a JPY amount with cents goes to the DLQ', async () => {
    h = await createHarness()
    const bad = JSON.stringify({ resource: 'payment', id: 'tr_BAD', createdAt: '2018-03-20T09:13:37+00:00', status: 'paid', amount: { value: '10.50', currency: 'JPY' }, method: 'ideal' })
    const job = await h.ingest(await h.file('stl_jDk30akdN.ndjson', `${await fixture('mollie-settlement-payments.ndjson')}${bad}\n`), { provider: 'mollie' })
    expect(job).toMatchObject({ state: 'succeeded', stats: { read: 4, published: 3, dlq: 1 } })
    const txs = h.transactions()
    expect(txs).toMatchObject([
      { provider: 'mollie', transaction_id: 'tr_7UhSN1zuXS', amount: 7500, currency: 'GBP', status: 'paid', event_type: 'payment', payment_method: 'ideal', timestamp: '2018-02-12T11:58:35.000Z', customer_id: null },
      { transaction_id: 'tr_WDqYK6vllg', amount: 1500, currency: 'JPY', payment_method: 'creditcard', customer_id: 'cst_8wmqcHMN4U' },
      { transaction_id: 're_4qqhO89gsT', amount: 595, currency: 'EUR', status: 'refunded', event_type: 'refund', payment_method: 'unknown' },
    ])
    for (const m of txs) expect(TransactionMessage.safeParse(m).success).toBe(true)
    expect(h.dlq()).toMatchObject([{ location: { line: 4 }, reason: expect.stringMatching(/more decimal places than JPY allows \(0\)/) }])
  })
})
