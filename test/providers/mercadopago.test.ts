import { describe, expect, it } from 'vitest'
import { WebhookSignatureValidator } from 'mercadopago'
import mercadopago from '../../providers/mercadopago.ts'
import { compileMapping } from '../../src/batch/record.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import { manifest, requestId, signature } from './cases/mercadopago.ts'

// The table cases are in cases/mercadopago.ts; here, what Mercado Pago's URL carries, the
// millisecond timestamps of its Orders notifications, and the settlement report.

const secret = 'mp-secret'
const orderId = 'ORD01JQ4S4KY8HWQ6NA5PXB65B3D3'
const orderBody = JSON.stringify({
  action: 'order.processed',
  api_version: 'v1',
  application_id: '76506430185983',
  date_created: '2021-01-01T02:02:02.000Z',
  id: '123456',
  live_mode: false,
  type: 'order',
  user_id: 2021490138,
  data: { id: orderId },
})

/** POSTs as Mercado Pago does: `data.id` and `type` appended to the notification URL. */
const postWithQuery = (g: TestGateway, query: string, body: string, headers: Record<string, string>) =>
  g.app.request(`http://gateway.test/webhooks/v1/mercadopago/events?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })

const headersFor = (id: string, ts: number | string) => ({
  'x-signature': `ts=${ts},v1=${signature(manifest(id, requestId, ts), secret)}`,
  'x-request-id': requestId,
})

describe('provider: mercadopago (special cases)', () => {
  it("verifies an Orders notification by the URL's data.id, lower-cased as the docs say, with a millisecond ts", async () => {
    const g = createTestGateway({ MERCADOPAGO_WEBHOOK_SECRET: secret })
    const ts = g.clock.now // Orders notifications carry ts in milliseconds
    const res = await postWithQuery(g, `data.id=${orderId}&type=order`, orderBody, headersFor(orderId, ts))
    expect(res.status).toBe(200)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toContain(`fetch GET /v1/orders/${orderId} `)
  })

  it('refuses a body naming another resource than the signed URL (the body itself is not signed): 401', async () => {
    const g = createTestGateway({ MERCADOPAGO_WEBHOOK_SECRET: secret })
    const ts = Math.floor(g.clock.now / 1000)
    const swapped = orderBody.replace(orderId, 'ORD01OTHERORDER0000000000000')
    const res = await postWithQuery(g, `data.id=${orderId}&type=order`, swapped, headersFor(orderId, ts))
    expect(res.status).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('refuses a millisecond ts older than 300 s (stale_timestamp)', async () => {
    const g = createTestGateway({ MERCADOPAGO_WEBHOOK_SECRET: secret })
    const ts = g.clock.now - 301_000
    const res = await postWithQuery(g, `data.id=${orderId}&type=order`, orderBody, headersFor(orderId, ts))
    expect(res.status).toBe(401)
    expect(g.logs.some((l) => l['reason'] === 'stale_timestamp')).toBe(true)
  })

  it('signs what the official SDK validates when data.id comes from the URL (numeric payment id)', () => {
    const ts = 1704908010
    const h = headersFor('123456', ts)
    expect(() =>
      WebhookSignatureValidator.validate({ xSignature: h['x-signature'], xRequestId: requestId, dataId: '123456', secret, now: () => ts * 1000 }),
    ).not.toThrow()
  })

  it('reads a settlement report row with the mapping in providers/mercadopago.ts', () => {
    const map = compileMapping(mercadopago.batch ?? { column_mapping: { transaction_id: '', timestamp: '', amount: '' } }, {
      provider: 'mercadopago',
      tenantId: null,
      traceId: '0'.repeat(32),
      ingestedAt: Date.UTC(2024, 0, 1),
    })
    const r = map({
      EXTERNAL_REFERENCE: 'order-1',
      SOURCE_ID: '1312345678',
      USER_ID: '724484980',
      PAYMENT_METHOD_TYPE: 'credit_card',
      PAYMENT_METHOD: 'visa',
      SITE: 'MLB',
      TRANSACTION_TYPE: 'SETTLEMENT',
      TRANSACTION_AMOUNT: '150.75',
      TRANSACTION_CURRENCY: 'BRL',
      TRANSACTION_DATE: '2023-11-01T10:15:00.000-03:00',
    })
    expect(r.ok && r.message).toMatchObject({
      transaction_id: '1312345678',
      amount: 15075,
      currency: 'BRL',
      status: 'settlement',
      payment_method: 'credit_card',
      event_type: 'SETTLEMENT',
      timestamp: '2023-11-01T13:15:00.000Z',
    })
  })
})
