import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { body, sign } from './cases/mollie.ts'

// The table cases are in cases/mollie.ts; here, the header's two spellings and the payload kinds.

const secret = 'mollie-secret'

describe('provider: mollie (special cases)', () => {
  it('accepts the signature without its sha256= prefix, as Mollie’s SDKs do', async () => {
    const g = createTestGateway({ MOLLIE_WEBHOOK_SECRET: secret })
    const signed = await sign(body, { secret, at: 0 })
    const bare = { 'x-mollie-signature': (signed.headers['x-mollie-signature'] ?? '').replace('sha256=', '') }
    expect((await g.post('mollie', body, bare)).status).toBe(200)
  })

  it('sends a "simple" payload (no _embedded entity: nothing to map without an API call) to the DLQ', async () => {
    const g = createTestGateway({ MOLLIE_WEBHOOK_SECRET: secret })
    const simple = JSON.stringify({ ...JSON.parse(body), _embedded: undefined })
    const res = await g.post('mollie', simple, (await sign(simple, { secret, at: 0 })).headers)
    expect(res.status).toBe(200)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toContain('_embedded')
  })

  it('refuses a classic webhook (form body `id=tr_…`, no signature): 401, it cannot be verified without an API call', async () => {
    const g = createTestGateway({ MOLLIE_WEBHOOK_SECRET: secret })
    const res = await g.post('mollie', 'id=tr_WDqYK6vllg', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
  })
})
