import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { body, signature } from './cases/worldpay.ts'

// The table cases are in cases/worldpay.ts; here, what a key renewal sends.

describe('provider: worldpay (special cases)', () => {
  it('accepts a renewal header carrying one signature per key, in either order', async () => {
    const g = createTestGateway({ WORLDPAY_EVENT_SECRET: 'new-key' })
    const header = `1/SHA256/${signature(body, 'old-key')},2/SHA256/${signature(body, 'new-key')}`
    expect((await g.post('worldpay', body, { 'event-signature': header })).status).toBe(200)
    const reversed = header.split(',').reverse().join(',')
    const other = createTestGateway({ WORLDPAY_EVENT_SECRET: 'new-key' })
    expect((await other.post('worldpay', body, { 'event-signature': reversed })).status).toBe(200)
  })

  it('refuses a header whose entries name another hash function (401)', async () => {
    const g = createTestGateway({ WORLDPAY_EVENT_SECRET: 'k' })
    const res = await g.post('worldpay', body, { 'event-signature': `1/SHA1/${signature(body, 'k')}` })
    expect(res.status).toBe(401)
  })
})
