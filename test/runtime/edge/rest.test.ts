/**
 * The Worker's deps keep one Kafka REST publisher per isolate: N webhooks through the app built by
 * buildEdgeDeps make one publisher, each request still its own produce call (workerd cannot share
 * one between requests), over reused connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../../src/app.ts'
import { buildEdgeDeps } from '../../../src/runtime/edge/deps.ts'
import { restPublishersCreated } from '../../../src/runtime/edge/rest.ts'
import { startKafkaRestDouble, type KafkaRestDouble } from '../../helpers/kafka-rest-double.ts'
import { PROVIDER_SETTINGS, stripeEvent } from '../signers.ts'

let bridge: KafkaRestDouble
beforeAll(async () => {
  bridge = await startKafkaRestDouble({ topics: ['transactions.realtime', 'transactions.dlq'] })
})
afterAll(() => bridge.close())

const settings = () => ({
  ...PROVIDER_SETTINGS,
  LOG_LEVEL: 'error',
  KAFKA_REST_URL: bridge.url,
  KAFKA_REST_CLUSTER_ID: bridge.clusterId,
})

describe('edge: one Kafka REST publisher per isolate', () => {
  it('serves N webhooks with one publisher, one produce call each, over reused connections', async () => {
    const before = restPublishersCreated()
    const deps = buildEdgeDeps(settings(), () => undefined)
    const app = createApp(deps)
    const n = 12
    for (let i = 0; i < n; i++) {
      const e = stripeEvent()
      const res = await app.fetch(new Request('http://gw/webhooks/v1/stripe/events', { method: 'POST', headers: e.headers, body: e.body }))
      expect(res.status).toBe(200)
    }
    expect(restPublishersCreated() - before).toBe(1)
    expect(bridge.requests).toEqual(Array.from({ length: n }, () => 1))
    expect(bridge.records('transactions.realtime')).toHaveLength(n)
    // One after another: the same keep-alive connection carries them.
    expect(bridge.connections).toBeLessThan(n / 2)
  })

  it('without a queue binding, answers 503 Retry-After while the bridge fails, and 200 again once it is back', async () => {
    const app = createApp(buildEdgeDeps(settings(), () => undefined))
    const post = () => {
      const e = stripeEvent()
      return app.fetch(new Request('http://gw/webhooks/v1/stripe/events', { method: 'POST', headers: e.headers, body: e.body }))
    }
    bridge.mode = 'error'
    const refused = await post()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('30')
    bridge.mode = 'healthy'
    expect((await post()).status).toBe(200)
  })

  it('hands the same publisher to deps built again with the same bridge, a new one for another bridge', async () => {
    const first = buildEdgeDeps(settings(), () => undefined).publisher
    const before = restPublishersCreated()
    expect(buildEdgeDeps(settings(), () => undefined).publisher).toBe(first)
    expect(restPublishersCreated()).toBe(before)
    const other = buildEdgeDeps({ ...settings(), KAFKA_REST_CLUSTER_ID: 'lkc-other' }, () => undefined).publisher
    expect(other).not.toBe(first)
    expect(restPublishersCreated()).toBe(before + 1)
  })
})
