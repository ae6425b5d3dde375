import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { current, sign } from './cases/shopify.ts'

// The table cases (order_transactions/create) are in cases/shopify.ts; here, the orders/paid topic.

const order = JSON.stringify({
  id: 820982911946154508,
  admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
  created_at: '2024-03-05T14:01:02-05:00',
  processed_at: '2024-03-05T14:01:03-05:00',
  currency: 'JPY',
  total_price: '1980',
  financial_status: 'paid',
  payment_gateway_names: ['shopify_payments'],
  customer: { id: 115310627314723954, admin_graphql_api_id: 'gid://shopify/Customer/115310627314723954' },
})

describe('provider: shopify (special cases)', () => {
  it('maps an orders/paid order with exact ids and a zero-decimal currency', async () => {
    const g = createTestGateway({ SHOPIFY_API_SECRET: current })
    const req = sign(order, { secret: current, at: 0 }, 'orders/paid')
    expect((await g.post('shopify', req.body, req.headers)).status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({
      event_type: 'orders/paid',
      transaction_id: 'order_820982911946154508',
      amount: 1980,
      currency: 'JPY',
      status: 'paid',
      payment_method: 'shopify_payments',
      customer_id: '115310627314723954',
      timestamp: '2024-03-05T19:01:03.000Z',
    })
  })

  it('ignores a transaction resource sent under a topic that is not a transaction one', async () => {
    const g = createTestGateway({ SHOPIFY_API_SECRET: current })
    const req = sign(order, { secret: current, at: 0 }, 'orders/updated')
    const res = await g.post('shopify', req.body, req.headers)
    expect(await res.json()).toMatchObject({ ignored: true })
    expect(g.publisher.records).toHaveLength(0)
  })
})
