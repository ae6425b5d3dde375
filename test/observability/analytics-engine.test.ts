import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import {
  isAnalyticsDataset,
  withAnalyticsEngine,
  type AnalyticsEngineDataset,
} from '../../src/observability/analytics-engine.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createTestGateway, fixture } from '../helpers/app.ts'

const SECRET = 'whsec_analytics_engine'

function dataset() {
  const points: Parameters<AnalyticsEngineDataset['writeDataPoint']>[0][] = []
  return { points, writeDataPoint: (p: (typeof points)[number]) => void points.push(p) }
}

describe('observability: Workers Analytics Engine', () => {
  it('writes one data point per request: provider, outcome, reason and duration', async () => {
    const ds = dataset()
    const g = createTestGateway(
      { STRIPE_WEBHOOK_SECRET: SECRET },
      { deps: { metrics: withAnalyticsEngine(createMetrics(), ds) } },
    )
    const body = await fixture('stripe.json')
    const at = Math.floor(g.clock.now / 1000)
    const sig = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRET,
      timestamp: at,
    })
    await g.post('stripe', body, { 'stripe-signature': sig })
    await g.post('stripe', body, { 'stripe-signature': `t=${at},v1=${'0'.repeat(64)}` })
    await g.app.request('/metrics') // not traffic: no data point
    expect(ds.points).toEqual([
      { blobs: ['stripe', 'accepted', ''], doubles: [expect.any(Number)], indexes: ['stripe'] },
      {
        blobs: ['stripe', 'unauthorized', 'bad_signature'],
        doubles: [expect.any(Number)],
        indexes: ['stripe'],
      },
    ])
    // The in-memory registry still counts as before.
    expect(await (await g.app.request('/metrics')).text()).toContain(
      'txgate_requests_total{provider="stripe",outcome="accepted"} 1',
    )
  })

  it('never fails a request because the dataset throws', async () => {
    const broken = {
      writeDataPoint: () => {
        throw new Error('quota')
      },
    }
    const g = createTestGateway(
      {},
      { deps: { metrics: withAnalyticsEngine(createMetrics(), broken) } },
    )
    expect((await g.app.request('/webhooks/v1/stripe/events', { method: 'POST' })).status).toBe(404)
  })

  it('recognises a binding by its writeDataPoint method only', () => {
    expect(isAnalyticsDataset(dataset())).toBe(true)
    expect(isAnalyticsDataset('a string setting')).toBe(false)
    expect(isAnalyticsDataset(undefined)).toBe(false)
  })
})
