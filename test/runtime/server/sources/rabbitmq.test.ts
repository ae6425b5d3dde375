import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { promisify } from 'node:util'
import amqp from 'amqplib'
import { afterEach, describe, expect, it } from 'vitest'
import { Unavailable } from '../../../../src/errors.ts'
import { createMetrics } from '../../../../src/observability/metrics.ts'
import { createWebhookHandler } from '../../../../src/pipeline/webhook.ts'
import type { Publisher } from '../../../../src/publish/types.ts'
import { startRabbitConsumer, type RabbitSource } from '../../../../src/runtime/server/sources/rabbitmq.ts'
import { createQueueConsumer, queueHandlerDeps, type QueueSource } from '../../../../src/sources/queue/consume.ts'
import type { RunningQueueSource } from '../../../../src/sources/queue/run.ts'
import { createTestGateway, fixture } from '../../../helpers/app.ts'
import { signedStripe, until } from '../../../helpers/queue-messages.ts'

const URL = 'amqp://guest:guest@127.0.0.1:5672'
const SECRET = 'whsec_queue'
const HMAC_KEY = 'queue-hmac-key'
const body = await fixture('stripe.json')

let consumer: RunningQueueSource | undefined
let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await consumer?.stop()
  consumer = undefined
  await cleanup?.()
  cleanup = undefined
})

type SetupOptions = { source?: Partial<QueueSource>; publisher?: (inner: Publisher) => Publisher; rabbit?: Partial<RabbitSource> }

async function setup(opts: SetupOptions = {}) {
  const name = `txgate-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
  const conn = await amqp.connect(URL)
  const ch = await conn.createConfirmChannel()
  await ch.assertExchange(name, 'topic', { durable: true })
  cleanup = async () => {
    await ch.deleteQueue(name)
    await ch.deleteExchange(name)
    await conn.close()
  }
  const gw = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET, QUEUE_HMAC: HMAC_KEY })
  const metrics = createMetrics()
  const source: QueueSource = { name: 'stripe-queue', kind: 'rabbitmq', provider: 'stripe', ...opts.source }
  const deps = queueHandlerDeps({ ...gw.deps, metrics, ...(opts.publisher ? { publisher: opts.publisher(gw.publisher) } : {}) }, source)
  const core = createQueueConsumer(deps, createWebhookHandler(deps), source)
  const send = async (payload: string, headers: Record<string, string>) => {
    ch.publish(name, 'payments.stripe', Buffer.from(payload), { headers, contentType: 'application/json', persistent: true })
    await ch.waitForConfirms()
  }
  const signed = (id: string) => signedStripe(body, id, SECRET, gw.clock.now)
  const start = async (backoff = { baseMs: 50, maxMs: 200 }) => {
    consumer = await startRabbitConsumer(
      { url: URL, exchange: name, queue: name, routingKeys: ['payments.#'], prefetch: 10, backoff, reconnect: { baseMs: 100, maxMs: 1000 }, ...opts.rabbit },
      core,
      { metrics, log: deps.log },
    )
    return consumer
  }
  /** Queue and binding before the consumer starts, so a backlog can wait for it. */
  const declare = async () => {
    await ch.assertQueue(name, { durable: true })
    await ch.bindQueue(name, name, 'payments.#')
  }
  const topic = (t: string) => gw.publisher.records.filter((r) => r.topic === t)
  const count = async (metric: string) => (await metrics.collect()).families.find((f) => f.name === metric)?.series.find((s) => s.labels['source'] === source.name)?.value ?? 0
  return { name, gw, send, signed, start, declare, topic, ch, count }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('RabbitMQ queue source (real broker at 127.0.0.1:5672)', () => {
  it('publishes signed Stripe events once, acks them, and a redelivered copy is a duplicate', async () => {
    const t = await setup()
    await t.start()
    const a = t.signed('evt_queue_a')
    await t.send(a.payload, a.headers)
    await t.send(a.payload, a.headers) // the producer redelivers
    const b = t.signed('evt_queue_b')
    await t.send(b.payload, b.headers)
    await until(async () => (await t.count('txgate_queue_duplicates_total')) === 1)
    await until(() => t.topic('transactions.realtime').length === 2)
    await sleep(150)
    expect(t.topic('transactions.realtime')).toHaveLength(2)
    expect(await consumer!.lag()).toBe(0)
    expect(await t.count('txgate_queue_published_total')).toBe(2)
    expect(await t.count('txgate_queue_duplicates_total')).toBe(1)
  })

  it('records the source and the queue position in the published record headers', async () => {
    const t = await setup()
    await t.start()
    const a = t.signed('evt_queue_pos')
    await t.send(a.payload, a.headers)
    await until(() => t.topic('transactions.realtime').length === 1)
    const h = t.topic('transactions.realtime')[0]!.headers
    expect(h).toMatchObject({
      provider: 'stripe', source: 'webhook', queue_source: 'stripe-queue', queue_kind: 'rabbitmq',
      queue_exchange: t.name, queue_routing_key: 'payments.stripe', queue_queue: t.name, queue_delivery_tag: '1', queue_redelivered: 'false',
    })
    expect(h['event_id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sends not-JSON and badly signed messages to the DLQ with the reason, acks them, and counts the bad signature as a security event', async () => {
    const t = await setup()
    await t.start()
    await t.send('not json', signedStripe('not json', 'evt_x', SECRET, t.gw.clock.now).headers)
    const bad = t.signed('evt_queue_bad')
    await t.send(bad.payload, { 'stripe-signature': 't=1,v1=00' })
    await until(() => t.topic('transactions.dlq').length === 2)
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    const dlq = t.topic('transactions.dlq')
    expect(dlq.map((r) => (r.value as { reason: string }).reason)).toEqual([expect.stringMatching(/./), expect.stringMatching(/^unauthorized: /)])
    expect(dlq.every((r) => r.headers['queue_source'] === 'stripe-queue' && r.headers['queue_exchange'] === t.name)).toBe(true)
    expect(await consumer!.lag()).toBe(0)
    expect(await t.count('txgate_queue_dlq_total')).toBe(2)
    expect(await t.count('txgate_queue_security_events_total')).toBe(1)
    expect(t.gw.logs.some((l) => String(l['msg'] ?? l['message']).startsWith('security: ') && l['route'] === 'queue')).toBe(true)
  })

  it('verifies the producer\'s own HMAC header when the source says so, with the source\'s tenant on the message', async () => {
    const t = await setup({ source: { provider: 'generic', verify: { type: 'hmac', header: 'x-queue-signature', secret: 'QUEUE_HMAC' }, tenant: 'acme' } })
    await t.start()
    const event = (id: string) => JSON.stringify({ event_id: id, event_type: 'payment.succeeded', transaction_id: `tx_${id}`, timestamp: '2026-11-22T12:00:00Z', amount: '10.50', currency: 'EUR', status: 'succeeded', payment_method: 'card' })
    const good = event('gen_1')
    await t.send(good, { 'x-queue-signature': createHmac('sha256', HMAC_KEY).update(good).digest('hex') })
    const forged = event('gen_2')
    await t.send(forged, { 'x-queue-signature': createHmac('sha256', 'not-the-key').update(forged).digest('hex') })
    await t.send(event('gen_3'), {})
    await until(() => t.topic('transactions.realtime').length === 1 && t.topic('transactions.dlq').length === 2)
    const [rec] = t.topic('transactions.realtime')
    expect(rec!.value).toMatchObject({ provider: 'generic', transaction_id: 'tx_gen_1', amount: 1050, tenant_id: 'acme' })
    expect(rec!.headers['tenant_id']).toBe('acme')
    expect(await t.count('txgate_queue_security_events_total')).toBe(2)
  })

  it('trusts the broker with verify none: an unsigned generic message is published, a wrong shape goes to the DLQ', async () => {
    const t = await setup({ source: { provider: 'generic', verify: { type: 'none' } } })
    await t.start()
    await t.send(JSON.stringify({ event_id: 'gen_none_1', event_type: 'payment.succeeded', transaction_id: 'tx_none_1', timestamp: 1763812800, amount: 500, currency: 'USD', status: 'succeeded', payment_method: 'card' }), {})
    await t.send(JSON.stringify({ event_id: 'gen_none_2', event_type: 'payment.succeeded', amount: 'lots' }), {})
    await until(() => t.topic('transactions.realtime').length === 1 && t.topic('transactions.dlq').length === 1)
    expect(t.topic('transactions.realtime')[0]!.value).toMatchObject({ transaction_id: 'tx_none_1', amount: 500, currency: 'USD', tenant_id: null })
    expect(await t.count('txgate_queue_security_events_total')).toBe(0)
  })

  it('does not ack while the output is down, backs off, and publishes once it is back', async () => {
    const t = await setup()
    t.gw.publisher.failWith = new Unavailable('spool down')
    await t.start()
    const a = t.signed('evt_queue_down')
    await t.send(a.payload, a.headers)
    await sleep(400)
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    expect(consumer!.stats().paused).toBe(true)
    // Backing off, not spinning: a handful of attempts in 400 ms with a 50…200 ms pause.
    expect(await t.count('txgate_queue_retries_total')).toBeLessThan(10)
    delete t.gw.publisher.failWith
    await until(() => t.topic('transactions.realtime').length === 1)
    await consumer!.stop()
    consumer = undefined
    const q = await t.ch.checkQueue(t.name)
    expect(q.messageCount).toBe(0)
    expect(t.topic('transactions.realtime')).toHaveLength(1)
  })

  it('keeps at most prefetch messages in flight: a slow output slows consumption, the rest waits in the queue', async () => {
    let inPublish = 0
    let peak = 0
    let release!: () => void
    let gate = new Promise<void>((r) => (release = r))
    const t = await setup({
      rabbit: { prefetch: 5 },
      publisher: (inner) => ({
        ...inner,
        async publish(records, o) {
          inPublish++
          peak = Math.max(peak, inPublish)
          await gate
          inPublish--
          return inner.publish(records, o)
        },
      }),
    })
    await t.declare()
    for (let i = 0; i < 40; i++) {
      const m = t.signed(`evt_queue_slow_${i}`)
      await t.send(m.payload, m.headers)
    }
    await t.start()
    await until(() => inPublish === 5)
    await sleep(300)
    expect(consumer!.stats().inFlight).toBe(5)
    expect(await consumer!.lag()).toBe(35)
    // Let them through a few at a time; never more than the prefetch at once.
    for (let round = 0; t.topic('transactions.realtime').length < 40 && round < 200; round++) {
      release()
      gate = new Promise<void>((r) => (release = r))
      await sleep(20)
    }
    release()
    await until(() => t.topic('transactions.realtime').length === 40)
    expect(peak).toBeLessThanOrEqual(5)
  })

  it('survives a connection the broker closes: what was unacked comes back, and nothing is published twice', async () => {
    const t = await setup({ rabbit: { connectionName: `txgate-test-${process.pid}-reconnect` } })
    await t.declare()
    const ids = Array.from({ length: 30 }, (_, i) => `evt_queue_rc_${i}`)
    for (const id of ids.slice(0, 15)) {
      const m = t.signed(id)
      await t.send(m.payload, m.headers)
    }
    await t.start()
    await until(() => t.topic('transactions.realtime').length >= 5)
    await closeConnection(`txgate-test-${process.pid}-reconnect`)
    for (const id of ids.slice(15)) {
      const m = t.signed(id)
      await t.send(m.payload, m.headers)
    }
    await until(() => t.topic('transactions.realtime').length === 30, 30_000)
    await sleep(300)
    const published = t.topic('transactions.realtime').map((r) => (r.value as unknown as { raw_payload: { id: string } }).raw_payload.id)
    expect(new Set(published).size).toBe(30)
    expect(published).toHaveLength(30)
    expect(await consumer!.lag()).toBe(0)
  }, 60_000)

  it('stops gracefully: in-flight messages finish and are acked, the rest stay queued, nothing is lost', async () => {
    const t = await setup()
    await t.declare()
    for (let i = 0; i < 30; i++) {
      const m = t.signed(`evt_queue_stop_${i}`)
      await t.send(m.payload, m.headers)
    }
    await t.start()
    await until(() => t.topic('transactions.realtime').length >= 1)
    await consumer!.stop()
    consumer = undefined
    const published = t.topic('transactions.realtime').length
    const q = await t.ch.checkQueue(t.name)
    expect(published + q.messageCount).toBe(30)
  })
})

const run = promisify(execFile)

/** Closes the named client connection from the broker side, as a broker restart or a network cut would. */
async function closeConnection(connectionName: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { timeout: 30_000 })
  const line = stdout.split('\n').find((l) => l.includes(connectionName))
  const pid = line?.split('\t')[0]
  if (!pid) throw new Error(`no connection named ${connectionName}:\n${stdout}`)
  await run('rabbitmqctl', ['close_connection', pid, 'test: connection cut'], { timeout: 30_000 })
}
