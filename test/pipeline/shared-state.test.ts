/**
 * The webhook path over Redis: two in-process gateways with their own Redis clients stand for two
 * instances sharing one Redis (test/runtime/server/two-gateways.test.ts does it with processes).
 */
import { createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { z } from 'zod'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { defineProvider, hmac } from '../../src/provider/define.ts'
import type { Settings } from '../../src/config.ts'
import type { AnyProvider } from '../../src/provider/types.ts'
import { openRedisStore, type RedisStore } from '../../src/runtime/server/redis-store.ts'
import { createTestGateway, fixture, type TestGateway } from '../helpers/app.ts'
import { deleteKeys, startRedisServer, uniquePrefix } from '../helpers/redis-server.ts'

const SECRET = 'whsec_shared_state'
const REDIS = 'redis://127.0.0.1:6379'
const body = await fixture('stripe.json')
const event = (id: string) => body.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', id)
const prefix = uniquePrefix('shared-state')
let stores: RedisStore[] = []

afterEach(async () => {
  for (const s of stores) await s.close()
  stores = []
})
afterAll(() => deleteKeys(prefix))

/** A gateway whose store and limiter are one Redis client; `run` separates the tests' keys. */
async function gateway(
  run: string,
  settings: Settings = {},
  opts: { url?: string; providers?: AnyProvider[] } = {},
) {
  const store = await openRedisStore({ url: opts.url ?? REDIS, prefix: `${prefix}${run}:` })
  stores.push(store)
  await store.connected(opts.url ? 200 : 2000)
  return createTestGateway(
    { STRIPE_WEBHOOK_SECRET: SECRET, ...settings },
    { deps: { store, limiter: store }, ...(opts.providers ? { providers: opts.providers } : {}) },
  )
}

const send = (g: TestGateway, payload: string) =>
  g.post('stripe', payload, {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: SECRET,
      timestamp: Math.floor(g.clock.now / 1000),
    }),
  })

describe('pipeline over Redis: instances share duplicates and limits', () => {
  it('answers a copy at the other instance as a duplicate with the first event_id, publishing nothing', async () => {
    const [a, b] = [await gateway('dup'), await gateway('dup')]
    const first = await send(a, body)
    expect(first.status).toBe(200)
    const { event_id } = (await first.json()) as { event_id: string }
    const copy = await send(b, body)
    expect(copy.status).toBe(200)
    expect(await copy.json()).toEqual({ event_id, duplicate: true })
    expect(a.publisher.records).toHaveLength(1)
    expect(b.publisher.records).toHaveLength(0)
  })

  it('answers 409 naming the holder while another instance has the event in flight', async () => {
    const [a, b] = [await gateway('inflight'), await gateway('inflight')]
    await a.deps.store.claim('idem:{stripe}:evt_1MoS6tLgUG5tbmjchDsX6fiT', 'held-by-a', 30_000)
    const res = await send(b, body)
    expect(res.status).toBe(409)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('txgate-event-id')).toBe('held-by-a')
    expect(b.publisher.records).toHaveLength(0)
  })

  it('holds one token bucket across instances: 429 with Retry-After and RateLimit-* past the burst', async () => {
    const limit = { TXGATE_RATE_LIMIT_STRIPE: '3/m' }
    const [a, b] = [await gateway('limit', limit), await gateway('limit', limit)]
    const statuses = []
    for (let i = 0; i < 5; i++)
      statuses.push((await send(i % 2 ? b : a, event(`evt_limit_${i}`))).status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    const res = await send(b, event('evt_limit_5'))
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBe(20) // one token per 20 s at 3/m
    expect(res.headers.get('ratelimit-limit')).toBe('3')
    expect(res.headers.get('ratelimit-remaining')).toBe('0')
    expect(Number(res.headers.get('ratelimit-reset'))).toBe(60)
    expect(a.publisher.records.length + b.publisher.records.length).toBe(3)
  })

  it('takes no claim for a limited request: its retry after the refill is published', async () => {
    const g = await gateway('no-claim', { TXGATE_RATE_LIMIT_STRIPE: '1/m' })
    expect((await send(g, event('evt_nc_1'))).status).toBe(200)
    expect((await send(g, event('evt_nc_2'))).status).toBe(429)
    g.clock.now += 60_000
    const retry = await send(g, event('evt_nc_2'))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ duplicate: false })
  })

  it('spends a token on an authentic body that does not parse, so a flood of them is limited too', async () => {
    const g = await gateway('bad-body', { TXGATE_RATE_LIMIT_STRIPE: '1/m' })
    expect((await send(g, '{not json')).status).toBe(400)
    expect((await send(g, event('evt_bb_1'))).status).toBe(429)
  })

  it("claims every event of a batch at once; a key repeated in the batch is its first event's duplicate", async () => {
    const g = await gateway(
      'batch',
      { BATCH_SECRET: 'batch-secret' },
      { providers: [batchProvider] },
    )
    const payload = JSON.stringify({
      events: [{ id: 'b1' }, { id: 'b2' }, { id: 'b1' }, { id: 'b3', kind: 'ping' }],
    })
    const res = await g.post('batch', payload, { 'x-signature': hmacHex('batch-secret', payload) })
    expect(res.status).toBe(200)
    const { events } = (await res.json()) as {
      events: { event_id?: string; duplicate?: boolean; ignored?: boolean }[]
    }
    expect(events.map((e) => e.duplicate ?? 'ignored')).toEqual([false, false, true, 'ignored'])
    expect(events[2]?.event_id).toBe(events[0]?.event_id)
    expect(g.publisher.records).toHaveLength(2)
  })

  it("releases the claims of a batch's later events when an earlier one cannot be stored", async () => {
    const g = await gateway(
      'batch-fail',
      { BATCH_SECRET: 'batch-secret' },
      { providers: [batchProvider] },
    )
    const payload = JSON.stringify({ events: [{ id: 'f1' }, { id: 'f2' }] })
    const headers = { 'x-signature': hmacHex('batch-secret', payload) }
    g.publisher.failWith = new Error('disk on fire')
    expect((await g.post('batch', payload, headers)).status).toBe(503)
    g.publisher.failWith = undefined
    expect((await g.post('batch', payload, headers)).status).toBe(200) // not 409 for f2
    expect(g.publisher.records).toHaveLength(2)
  })

  it('reports Redis on /ready', async () => {
    const g = await gateway('ready')
    const res = await g.app.request('/ready')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      store: { ok: true, kind: 'redis', detail: expect.stringMatching(/PONG/) },
    })
  })
})

describe('pipeline over Redis: when Redis is down', () => {
  it('fails open: 200, the message published, txgate-degraded on the answer and in the logs', async () => {
    const dead = await startRedisServer()
    await dead.kill()
    const g = await gateway('open', {}, { url: dead.url })
    const res = await send(g, body)
    expect(res.status).toBe(200)
    expect(res.headers.get('txgate-degraded')).toBe('store-down')
    expect(res.headers.get('ratelimit-limit')).toBeNull() // nothing known to report
    expect(g.publisher.records).toHaveLength(1)
    expect(g.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'store unavailable, failing open',
        reason: 'down',
      }),
    )
    expect(g.logs).toContainEqual(
      expect.objectContaining({ msg: 'request', status: 200, degraded: 'store-down' }),
    )
    const ready = await g.app.request('/ready')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ store: { ok: false, kind: 'redis' } })
  })

  it('fails closed for a provider listed in TXGATE_FAIL_CLOSED: 503 with Retry-After, nothing published', async () => {
    const dead = await startRedisServer()
    await dead.kill()
    const g = await gateway('closed', { TXGATE_FAIL_CLOSED: 'adyen, stripe' }, { url: dead.url })
    const res = await send(g, body)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('10')
    expect(await res.json()).toMatchObject({ code: 'unavailable' })
    expect(g.publisher.records).toHaveLength(0)
  })
})

// --- A provider whose envelope carries several events (like Adyen's notification items) ---

const hmacHex = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('hex')

const batchProvider = defineProvider({
  id: 'batch',
  name: 'Batch test provider',
  auth: { mode: 'any', schemes: [hmac({ secret: 'BATCH_SECRET', header: 'x-signature' })] },
  body: 'json',
  envelope: z.object({
    events: z.array(z.object({ id: z.string(), kind: z.string().optional() })),
  }),
  items: (e) => e.events,
  eventType: (i) => i.kind ?? 'payment',
  idempotencyKey: (i) => i.id,
  isTransaction: (type) => type === 'payment',
  transaction: z.object({ id: z.string() }),
  map: (t) => ({
    transactionId: t.id,
    occurredAt: new Date(Date.UTC(2026, 0, 1)),
    amount: { minor: 100 },
    currency: 'EUR',
    status: 'succeeded',
    paymentMethod: 'card',
    customerId: null,
  }),
  rateLimit: { ratePerSec: 100, burst: 100 },
}) as AnyProvider
