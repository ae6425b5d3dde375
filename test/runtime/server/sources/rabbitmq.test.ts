import amqp from 'amqplib'
import Stripe from 'stripe'
import { afterEach, describe, expect, it } from 'vitest'
import { startRabbitConsumer } from '../../../../src/runtime/server/sources/rabbitmq.ts'
import { createQueueConsumer } from '../../../../src/sources/queue/consume.ts'
import type { RunningQueueSource } from '../../../../src/sources/queue/run.ts'
import { createWebhookHandler } from '../../../../src/pipeline/webhook.ts'
import { Unavailable } from '../../../../src/errors.ts'
import { createTestGateway, fixture } from '../../../helpers/app.ts'

const URL = 'amqp://guest:guest@127.0.0.1:5672'
const SECRET = 'whsec_queue'
const body = await fixture('stripe.json')

let consumer: RunningQueueSource | undefined
let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await consumer?.stop()
  consumer = undefined
  await cleanup?.()
})

async function setup() {
  const name = `txgate-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
  const conn = await amqp.connect(URL)
  const ch = await conn.createConfirmChannel()
  await ch.assertExchange(name, 'topic', { durable: true })
  cleanup = async () => {
    await ch.deleteQueue(name)
    await ch.deleteExchange(name)
    await conn.close()
  }
  const gw = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
  const handler = createWebhookHandler(gw.deps)
  const core = createQueueConsumer(gw.deps, handler, { name: 'stripe-queue', provider: 'stripe' })
  const send = async (payload: string, headers: Record<string, string>) => {
    ch.publish(name, 'payments.stripe', Buffer.from(payload), { headers, contentType: 'application/json', persistent: true })
    await ch.waitForConfirms()
  }
  const signed = (id: string) => {
    const payload = body.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', id)
    const sig = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: Math.floor(gw.clock.now / 1000) })
    return { payload, headers: { 'stripe-signature': sig } }
  }
  const start = async (backoff = { baseMs: 50, maxMs: 200 }) => {
    consumer = await startRabbitConsumer({ url: URL, exchange: name, queue: name, routingKeys: ['payments.#'], prefetch: 10, backoff }, core)
    return consumer
  }
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25))
    expect(cond()).toBe(true)
  }
  const topic = (t: string) => gw.publisher.records.filter((r) => r.topic === t)
  return { name, gw, send, signed, start, until, topic, ch }
}

describe('RabbitMQ queue source (real broker at 127.0.0.1:5672)', () => {
  it('publishes signed Stripe events once, acks them, and a redelivered copy is a duplicate', async () => {
    const t = await setup()
    await t.start()
    const a = t.signed('evt_queue_a')
    await t.send(a.payload, a.headers)
    await t.send(a.payload, a.headers) // the producer redelivers
    const b = t.signed('evt_queue_b')
    await t.send(b.payload, b.headers)
    await t.until(() => t.topic('transactions.realtime').length === 2)
    await new Promise((r) => setTimeout(r, 150))
    expect(t.topic('transactions.realtime')).toHaveLength(2)
    expect(await consumer!.lag()).toBe(0)
  })

  it('sends not-JSON and badly signed messages to the DLQ with the reason, and acks them', async () => {
    const t = await setup()
    await t.start()
    await t.send('not json', t.signed('evt_x').headers)
    const bad = t.signed('evt_queue_bad')
    await t.send(bad.payload, { 'stripe-signature': 't=1,v1=00' })
    await t.until(() => t.topic('transactions.dlq').length === 2)
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    const reasons = t.topic('transactions.dlq').map((r) => (r.value as { reason: string }).reason)
    expect(reasons.every((r) => r.length > 0)).toBe(true)
    expect(await consumer!.lag()).toBe(0)
  })

  it('does not ack while the output is down, backs off, and publishes once it is back', async () => {
    const t = await setup()
    t.gw.publisher.failWith = new Unavailable('spool down')
    await t.start()
    const a = t.signed('evt_queue_down')
    await t.send(a.payload, a.headers)
    await new Promise((r) => setTimeout(r, 400))
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    delete t.gw.publisher.failWith
    await t.until(() => t.topic('transactions.realtime').length === 1)
    await consumer!.stop()
    consumer = undefined
    const q = await t.ch.checkQueue(t.name)
    expect(q.messageCount).toBe(0)
  })
  it('stops gracefully: in-flight messages finish and are acked, the rest stay queued, nothing is lost', async () => {
    const t = await setup()
    // Declared before the consumer starts, so the exchange routes the backlog to it.
    await t.ch.assertQueue(t.name, { durable: true })
    await t.ch.bindQueue(t.name, t.name, 'payments.#')
    for (let i = 0; i < 30; i++) {
      const m = t.signed(`evt_queue_stop_${i}`)
      await t.send(m.payload, m.headers)
    }
    await t.start()
    await t.until(() => t.topic('transactions.realtime').length >= 1)
    await consumer!.stop()
    consumer = undefined
    const published = t.topic('transactions.realtime').length
    const q = await t.ch.checkQueue(t.name)
    expect(published + q.messageCount).toBe(30)
  })
})
