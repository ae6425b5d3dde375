/**
 * The kafkajs consumer-group adapter against a real broker; runs only when KAFKA_BROKERS names one
 * (e.g. KAFKA_BROKERS=localhost:9092 npx vitest run test/runtime/server/sources/kafka.test.ts).
 * The logic it relies on (commit after durable, pause with a probe, stop) is the shared flow and
 * offset tracker, tested in test/sources/queue/ and through the RabbitMQ tests on every run.
 */
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { afterEach, describe, expect, it } from 'vitest'
import { Unavailable } from '../../../../src/errors.ts'
import { createMetrics } from '../../../../src/observability/metrics.ts'
import { createWebhookHandler } from '../../../../src/pipeline/webhook.ts'
import { kafkaAdapter, type KafkaSource } from '../../../../src/runtime/server/sources/kafka.ts'
import { createQueueConsumer, type QueueSource } from '../../../../src/sources/queue/consume.ts'
import { startQueueSource, type RunningQueueSource } from '../../../../src/sources/queue/run.ts'
import { createTestGateway, fixture } from '../../../helpers/app.ts'
import { signedStripe, until } from '../../../helpers/queue-messages.ts'

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').map((b) => b.trim()).filter(Boolean)
const ssl = ['true', '1', 'yes'].includes(process.env['KAFKA_SSL'] ?? '')
const mechanism = process.env['KAFKA_SASL_MECHANISM'] as 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined
const sasl = mechanism ? { mechanism, username: process.env['KAFKA_SASL_USERNAME'] ?? '', password: process.env['KAFKA_SASL_PASSWORD'] ?? '' } : undefined

if (brokers.length === 0) {
  console.log('kafka queue-source tests skipped: KAFKA_BROKERS is not set (no broker on this machine); the shared flow they use ran in the RabbitMQ tests')
}

const SECRET = 'whsec_kafka_source'
const body = await fixture('stripe.json')
let running: RunningQueueSource | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await running?.stop()
  running = undefined
  for (const f of cleanups.splice(0)) await f()
})

describe.skipIf(brokers.length === 0)(`kafka queue source (real broker ${brokers.join(',')})`, () => {
  async function setup(partitions = 3) {
    const topic = `txgate-test-src-${process.pid}-${Date.now()}`
    const groupId = `${topic}-group`
    const kafka = new Kafka({ clientId: 'txgate-test', brokers, ssl, ...(sasl ? { sasl: sasl as SASLOptions } : {}), logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
    const producer = kafka.producer()
    await producer.connect()
    cleanups.push(async () => {
      await producer.disconnect()
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
      await admin.disconnect()
    })
    const gw = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const metrics = createMetrics()
    const source: QueueSource = { name: 'partner-kafka', kind: 'kafka', provider: 'stripe' }
    const deps = { ...gw.deps, metrics }
    const core = createQueueConsumer(deps, createWebhookHandler(deps), source)
    const src: KafkaSource = { brokers, clientId: 'txgate-test', groupId, topics: [topic], fromBeginning: true, ssl, ...(sasl ? { sasl } : {}) }
    const start = async () => {
      running = await startQueueSource(kafkaAdapter(src, gw.deps.log), core, { maxInFlight: 20, backoff: { baseMs: 50, maxMs: 400 }, metrics })
      return running
    }
    const send = async (ids: string[]) => {
      await producer.send({
        topic,
        messages: ids.map((id) => {
          const m = signedStripe(body, id, SECRET, gw.clock.now)
          return { key: id, value: m.payload, headers: m.headers }
        }),
      })
    }
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] })
      return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
    }
    const realtime = () => gw.publisher.records.filter((r) => r.topic === 'transactions.realtime')
    return { topic, gw, start, send, committed, realtime }
  }

  it('publishes each message once with topic/partition/offset headers, commits after durable, lag 0', async () => {
    const t = await setup()
    const ids = Array.from({ length: 60 }, (_, i) => `evt_kafka_src_${i}`)
    await t.send(ids)
    await t.start()
    await until(() => t.realtime().length === 60, 60_000)
    await until(async () => (await t.committed()) === 60, 30_000)
    expect(await running!.lag()).toBe(0)
    const h = t.realtime()[0]!.headers
    expect(h).toMatchObject({ queue_source: 'partner-kafka', queue_kind: 'kafka', queue_topic: t.topic })
    expect(h['queue_partition']).toMatch(/^\d+$/)
    expect(h['queue_offset']).toMatch(/^\d+$/)
  }, 120_000)

  it('commits nothing while the output is down, then publishes everything once it is back', async () => {
    const t = await setup(1)
    t.gw.publisher.failWith = new Unavailable('spool down')
    await t.send(['evt_kafka_down_0', 'evt_kafka_down_1', 'evt_kafka_down_2'])
    await t.start()
    await new Promise((r) => setTimeout(r, 3000))
    expect(await t.committed()).toBe(0)
    expect(running!.stats().paused).toBe(true)
    delete t.gw.publisher.failWith
    await until(() => new Set(t.realtime().map((r) => r.key)).size === 3, 60_000)
    await until(async () => (await t.committed()) === 3, 30_000)
    expect(t.realtime()).toHaveLength(3)
  }, 120_000)

  it('stops gracefully: a restarted group resumes from the commit, nothing lost or published twice', async () => {
    const t = await setup()
    const ids = Array.from({ length: 200 }, (_, i) => `evt_kafka_stop_${i}`)
    await t.send(ids)
    await t.start()
    await until(() => t.realtime().length >= 20, 60_000)
    await running!.stop()
    running = undefined
    await t.start()
    await until(() => new Set(t.realtime().map((r) => r.key)).size === 200, 60_000)
    await new Promise((r) => setTimeout(r, 500))
    expect(t.realtime()).toHaveLength(200)
  }, 120_000)
})
