import { AckPolicy, connect, headers as natsHeaders, nanos, type NatsConnection } from 'nats'
import { afterEach, describe, expect, it } from 'vitest'
import { startNatsConsumer } from '../../../../src/runtime/server/sources/nats.ts'
import { createQueueConsumer, type QueueConsumer, type QueueMessage } from '../../../../src/sources/queue/consume.ts'
import type { RunningQueueSource } from '../../../../src/sources/queue/run.ts'
import { startQueueConsumer } from '../../../../src/runtime/server/sources/consumers.ts'
import { parseSources, type QueueSourceConfig } from '../../../../src/sources/config.ts'
import { createWebhookHandler } from '../../../../src/pipeline/webhook.ts'
import { Unavailable } from '../../../../src/errors.ts'
import { createTestGateway, fixture } from '../../../helpers/app.ts'
import { signedStripe, until } from '../../../helpers/queue-messages.ts'

const SERVERS = '127.0.0.1:4222'
const SECRET = 'whsec_queue'
const body = await fixture('stripe.json')

let consumer: RunningQueueSource | undefined
let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await consumer?.stop()
  consumer = undefined
  await cleanup?.()
  cleanup = undefined
})

/** A uniquely named stream (deleted after the test), a gateway with a recording publisher, and the queue core over it. */
async function setup() {
  const stream = `TXGATE_TEST_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`
  const nc: NatsConnection = await connect({ servers: SERVERS })
  const jsm = await nc.jetstreamManager()
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] })
  cleanup = async () => {
    await jsm.streams.delete(stream)
    await nc.close()
  }
  const js = nc.jetstream()
  const gw = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
  const core = createQueueConsumer(gw.deps, createWebhookHandler(gw.deps), { name: 'stripe-nats', provider: 'stripe', kind: 'nats' })
  const send = async (payload: string, hdrs: Record<string, string>) => {
    const h = natsHeaders()
    for (const [k, v] of Object.entries(hdrs)) h.set(k, v)
    await js.publish(`${stream}.payments.stripe`, new TextEncoder().encode(payload), { headers: h })
  }
  const signed = (id: string) => signedStripe(body, id, SECRET, gw.clock.now)
  const start = (opts: { batch?: number; ackWaitMs?: number; via?: QueueConsumer } = {}) =>
    startNatsConsumer(
      { servers: SERVERS, stream, durable: 'txgate', batch: opts.batch ?? 10, ackWaitMs: opts.ackWaitMs ?? 30_000, backoff: { baseMs: 50, maxMs: 200 } },
      opts.via ?? core,
    ).then((c) => (consumer = c))
  /** The durable consumer's counts on the broker: not yet delivered, delivered but unacked. */
  const broker = async () => {
    const i = await jsm.consumers.info(stream, 'txgate')
    return { pending: i.num_pending, unacked: i.num_ack_pending, redelivered: i.num_redelivered }
  }
  const topic = (t: string) => gw.publisher.records.filter((r) => r.topic === t)
  return { stream, gw, core, send, signed, start, broker, topic }
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms))

describe('NATS JetStream queue source (real nats-server at 127.0.0.1:4222)', () => {
  it('publishes a signed Stripe event once and acks it; the producer re-sending it is a duplicate', async () => {
    const t = await setup()
    await t.start()
    const a = t.signed('evt_nats_a')
    await t.send(a.payload, a.headers)
    await t.send(a.payload, a.headers)
    const b = t.signed('evt_nats_b')
    await t.send(b.payload, b.headers)
    await until(async () => t.topic('transactions.realtime').length === 2 && (await t.broker()).unacked === 0)
    await settle()
    expect(t.topic('transactions.realtime')).toHaveLength(2)
    expect(await t.broker()).toMatchObject({ pending: 0, unacked: 0 })
    expect(await consumer!.lag()).toBe(0)
    // The record says where it came from, for audit.
    expect(t.topic('transactions.realtime')[0]!.headers).toMatchObject({
      queue_source: 'stripe-nats',
      queue_kind: 'nats',
      queue_stream: t.stream,
      queue_subject: `${t.stream}.payments.stripe`,
      queue_stream_seq: '1',
      queue_deliveries: '1',
      queue_redelivered: 'false',
    })
  })

  it('sends not-JSON and badly signed messages to the DLQ with the reason and the stream position, acks them, and never gets them again', async () => {
    const t = await setup()
    await t.start({ ackWaitMs: 1000 })
    await t.send('not json', t.signed('evt_x').headers)
    const bad = t.signed('evt_nats_bad')
    await t.send(bad.payload, { 'stripe-signature': 't=1,v1=00' })
    await until(async () => t.topic('transactions.dlq').length === 2 && (await t.broker()).unacked === 0)
    // Past the ack wait: an unacked poison message would be back by now.
    await settle(1500)
    const dlq = t.topic('transactions.dlq').map((r) => r.value as { reason: string; location: Record<string, unknown> })
    expect(dlq).toHaveLength(2)
    expect(dlq.every((d) => d.reason.length > 0)).toBe(true)
    expect(dlq.map((d) => d.location)).toEqual([
      expect.objectContaining({ queue_source: 'stripe-nats', stream: t.stream, stream_seq: 1, deliveries: 1 }),
      expect.objectContaining({ stream: t.stream, stream_seq: 2, deliveries: 1 }),
    ])
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    expect(await t.broker()).toMatchObject({ pending: 0, unacked: 0, redelivered: 0 })
  })

  it('does not ack while the output is down, gets the message redelivered, and publishes it once when the output is back', async () => {
    const t = await setup()
    t.gw.publisher.failWith = new Unavailable('spool down')
    await t.start()
    const a = t.signed('evt_nats_down')
    await t.send(a.payload, a.headers)
    await until(async () => (await t.broker()).redelivered >= 1)
    expect(t.topic('transactions.realtime')).toHaveLength(0)
    expect((await t.broker()).unacked).toBe(1)
    delete t.gw.publisher.failWith
    await until(async () => t.topic('transactions.realtime').length === 1 && (await t.broker()).unacked === 0)
    await settle()
    expect(t.topic('transactions.realtime')).toHaveLength(1)
  })

  it('a message redelivered after its ack was lost is a duplicate: published once, then acked', async () => {
    const t = await setup()
    const a = t.signed('evt_nats_lost_ack')
    await t.send(a.payload, a.headers)
    // A previous instance pulled it from the durable and published it, then died before its ack.
    const prev = await connect({ servers: SERVERS })
    await (await prev.jetstreamManager()).consumers.add(t.stream, { durable_name: 'txgate', ack_policy: AckPolicy.Explicit, ack_wait: nanos(1000) })
    const first = await (await prev.jetstream().consumers.get(t.stream, 'txgate')).next()
    expect(await t.core.process({ body: new Uint8Array(first!.data), headers: a.headers, position: {}, redelivered: false })).toMatchObject({ outcome: 'published' })
    await prev.close()
    const seen: QueueMessage[] = []
    await t.start({ ackWaitMs: 1000, via: { source: t.core.source, process: (m) => (seen.push(m), t.core.process(m)) } })
    await until(async () => seen.length === 1 && (await t.broker()).unacked === 0)
    await settle()
    expect(t.topic('transactions.realtime')).toHaveLength(1)
    expect(seen[0]).toMatchObject({ redelivered: true, position: { stream_seq: 1, deliveries: 2 } })
    expect(await t.broker()).toMatchObject({ pending: 0, unacked: 0 })
  })

  it('tells the broker a held message is still being worked on, so a slow output does not get it redelivered', async () => {
    const t = await setup()
    let release: () => void = () => undefined
    const seen: QueueMessage[] = []
    const held: QueueConsumer = {
      source: t.core.source,
      async process(m) {
        seen.push(m)
        await new Promise<void>((r) => (release = r))
        return t.core.process(m)
      },
    }
    await t.start({ ackWaitMs: 1000, via: held })
    const a = t.signed('evt_nats_held')
    await t.send(a.payload, a.headers)
    await until(() => seen.length === 1)
    // Three ack waits.
    await settle(3000)
    expect(seen).toHaveLength(1)
    release()
    await until(async () => t.topic('transactions.realtime').length === 1 && (await t.broker()).unacked === 0)
    expect((await t.broker()).redelivered).toBe(0)
  })

  it('keeps at most `batch` messages in flight while the output is slow', async () => {
    const t = await setup()
    let active = 0
    let most = 0
    const slow: QueueConsumer = {
      source: t.core.source,
      async process(m) {
        most = Math.max(most, ++active)
        await settle(50)
        active--
        return t.core.process(m)
      },
    }
    for (let i = 0; i < 40; i++) {
      const m = t.signed(`evt_nats_slow_${i}`)
      await t.send(m.payload, m.headers)
    }
    await t.start({ batch: 5, via: slow })
    await until(() => t.topic('transactions.realtime').length === 40, 30_000)
    expect(most).toBeLessThanOrEqual(5)
    expect(most).toBeGreaterThan(1)
  })

  it('stops gracefully: in-flight messages finish and are acked, the rest go back to the stream, nothing is lost', async () => {
    const t = await setup()
    for (let i = 0; i < 30; i++) {
      const m = t.signed(`evt_nats_stop_${i}`)
      await t.send(m.payload, m.headers)
    }
    const seqs = (into: unknown[]): QueueConsumer => ({
      source: t.core.source,
      async process(m) {
        const v = await t.core.process(m)
        into.push(m.position['stream_seq'])
        return v
      },
    })
    const first: unknown[] = []
    await t.start({ batch: 5, via: seqs(first) })
    await until(() => first.length >= 1)
    await consumer!.stop()
    consumer = undefined
    const done = first.length
    // A second consumer on the same durable gets only what the first did not finish.
    const second: unknown[] = []
    await t.start({ batch: 5, via: seqs(second) })
    await until(() => t.topic('transactions.realtime').length === 30, 30_000)
    await settle()
    expect(second.filter((s) => first.includes(s))).toEqual([])
    expect(done + second.length).toBe(30)
    expect(t.topic('transactions.realtime')).toHaveLength(30)
  })

  it('runs from sources.yaml as txgate consume and the gateway start it: an HMAC-signed generic message, published once with its position', async () => {
    const t = await setup()
    const [src] = parseSources(`sources:
  ledger:
    kind: nats
    servers: ${SERVERS}
    stream: ${t.stream}
    filter_subject: ${t.stream}.payments.>
    batch: 5
    provider: generic
    verify: { type: hmac, header: x-signature, secret_env: LEDGER_KEY }
`)
    const gw = createTestGateway({ LEDGER_KEY: 'k3y' })
    consumer = await startQueueConsumer(src as QueueSourceConfig, gw.deps)
    const payload = JSON.stringify({ event_id: 'ev_nats_1', transaction_id: 'tx_nats_1', timestamp: '2026-11-22T12:00:00Z', amount: '12.34', currency: 'EUR', status: 'succeeded', payment_method: 'card', event_type: 'payment' })
    const mac = async (body: string) => {
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('k3y'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      return Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body))).toString('hex')
    }
    await t.send(payload, { 'x-signature': await mac(payload) })
    await t.send(payload, { 'x-signature': '00' })
    const topic = (name: string) => gw.publisher.records.filter((r) => r.topic === name)
    await until(() => topic('transactions.realtime').length === 1 && topic('transactions.dlq').length === 1)
    expect(topic('transactions.realtime')[0]).toMatchObject({
      value: { transaction_id: 'tx_nats_1', amount: 1234, currency: 'EUR' },
      headers: { queue_source: 'ledger', queue_kind: 'nats', queue_stream: t.stream, queue_stream_seq: '1' },
    })
    expect(await consumer.lag()).toBe(0)
    expect((await jsmInfo(t.stream, 'txgate-ledger')).config.max_ack_pending).toBe(10)
  })
})

async function jsmInfo(stream: string, durable: string) {
  const nc = await connect({ servers: SERVERS })
  try {
    return await (await nc.jetstreamManager()).consumers.info(stream, durable)
  } finally {
    await nc.close()
  }
}
