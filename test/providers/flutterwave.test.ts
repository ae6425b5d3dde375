import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { body, sign } from './cases/flutterwave.ts'

// The table cases are in cases/flutterwave.ts; here, Flutterwave's major-unit amounts.

const secret = 'flw-hash'
const post = async (payload: string) => {
  const g = createTestGateway({ FLUTTERWAVE_SECRET_HASH: secret })
  const req = sign(payload, { secret, at: 0 })
  return { g, res: await g.post('flutterwave', req.body, req.headers) }
}

describe('provider: flutterwave (special cases)', () => {
  it('converts a fractional major-unit amount exactly (54.3 KES → 5430)', async () => {
    const { g, res } = await post(body.replace('"amount": 100,', '"amount": 54.3,').replace('"currency": "NGN"', '"currency": "KES"'))
    expect(res.status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({ amount: 5430, currency: 'KES' })
  })

  it('keeps a zero-decimal currency in whole units (UGX) and sends a fractional one to the DLQ', async () => {
    const ugx = body.replace('"amount": 100,', '"amount": 5000,').replace('"currency": "NGN"', '"currency": "UGX"')
    const { g } = await post(ugx)
    expect(g.publisher.records[0]?.value).toMatchObject({ amount: 5000, currency: 'UGX' })
    const { g: dlq } = await post(ugx.replace('"amount": 5000,', '"amount": 5000.5,'))
    expect(dlq.publisher.records[0]?.topic).toBe('transactions.dlq')
  })
})
