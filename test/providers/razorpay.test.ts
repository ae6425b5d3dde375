import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { sign } from './cases/razorpay.ts'

// The table cases are in cases/razorpay.ts (a card payment); here, a UPI payment. The fixture has
// the fields of Razorpay's UPI payment entity (docs: payments webhook payloads, method `upi`:
// `vpa`, `upi.vpa`, `acquirer_data.rrn`, `acquirer_data.upi_transaction_id`); ids are illustrative.
const upi = await readFile(new URL('../fixtures/providers/razorpay-upi.json', import.meta.url), 'utf8')
const secret = 'rzp-secret'

describe('provider: razorpay (UPI)', () => {
  it('publishes a UPI payment as payment_method upi, in paise, with VPA, RRN and UPI transaction id kept in raw_payload', async () => {
    const g = createTestGateway({ RAZORPAY_WEBHOOK_SECRET: secret })
    const signed = sign(upi, { secret, at: 0 })
    expect((await g.post('razorpay', signed.body, signed.headers)).status).toBe(200)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.realtime')
    expect(record?.value).toMatchObject({
      transaction_id: 'pay_DESlfW9H8K9uqM',
      amount: 100,
      currency: 'INR',
      status: 'captured',
      payment_method: 'upi',
      // The VPA identifies the payer's UPI handle, not a Razorpay customer: it is not a customer_id.
      customer_id: null,
      timestamp: '2019-09-05T09:09:59.000Z',
    })
    // TransactionMessage v1 is strict (DESIGN: no free-form field), so the UPI references live in
    // raw_payload, exactly as Razorpay sent them, for reconciliation against the bank's UTR.
    const entity = (record?.value as unknown as { raw_payload: { payload: { payment: { entity: Record<string, unknown> } } } }).raw_payload.payload.payment.entity
    expect(entity).toMatchObject({
      vpa: 'gaurav.kumar@exampleupi',
      upi: { vpa: 'gaurav.kumar@exampleupi', payer_account_type: 'bank_account' },
      acquirer_data: { rrn: '313108925447', upi_transaction_id: 'CCE8E0E5C5C4E0F6A5A0D8E1D9B2E3F4' },
    })
  })
})
