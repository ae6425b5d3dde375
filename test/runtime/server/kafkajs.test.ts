/**
 * The kafkajs publisher against a real broker. No broker can be installed on CI machines, so this
 * runs only when KAFKA_BROKERS names one (e.g. KAFKA_BROKERS=localhost:9092 npx vitest run
 * test/runtime/server/kafkajs.test.ts); the same scenarios run through the REST double always
 * (test/publish/kafka-rest-scenarios.test.ts).
 */
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { PublishFailed } from '../../../src/publish/errors.ts'
import { createLogger } from '../../../src/observability/log.ts'
import { openKafkajsPublisher } from '../../../src/runtime/server/kafkajs-publisher.ts'
import {
  publisherScenarios,
  type ConsumedRecord,
  type Transport,
} from '../../helpers/publisher-scenarios.ts'

const brokers = (process.env['KAFKA_BROKERS'] ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean)
const ssl = ['true', '1', 'yes'].includes(process.env['KAFKA_SSL'] ?? '')
const mechanism = process.env['KAFKA_SASL_MECHANISM'] as
  'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined
const sasl = mechanism
  ? {
      mechanism,
      username: process.env['KAFKA_SASL_USERNAME'] ?? '',
      password: process.env['KAFKA_SASL_PASSWORD'] ?? '',
    }
  : undefined

if (brokers.length === 0) {
  console.log(
    'kafkajs tests skipped: KAFKA_BROKERS is not set (no broker on this machine); the same scenarios ran through the REST double',
  )
}

describe.skipIf(brokers.length === 0)('runtime/server: kafkajs publisher (real broker)', () => {
  publisherScenarios(`kafkajs → ${brokers.join(',')}`, async (): Promise<Transport> => {
    const kafka = new Kafka({
      clientId: 'txgate-test',
      brokers,
      ssl,
      ...(sasl ? { sasl: sasl as SASLOptions } : {}),
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    await admin.connect()
    const created: string[] = []
    const log = createLogger('warn', (l) => console.error(l), Date.now)
    const publisher = (to: string[]) =>
      openKafkajsPublisher({
        brokers: to,
        clientId: 'txgate-test',
        ssl,
        ...(sasl ? { sasl } : {}),
        timeoutMs: 3000,
        lingerMs: 2,
        log,
      })
    return {
      carriesHeaders: true,
      reachable: () => publisher(brokers),
      unreachable: () => publisher(['127.0.0.1:1']),
      async topic(name) {
        const topic = `txgate-test.${name}.${randomUUID()}`
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
        created.push(topic)
        return topic
      },
      read: (topic, count) => consume(kafka, topic, count),
      async close() {
        await admin.deleteTopics({ topics: created }).catch(() => undefined)
        await admin.disconnect()
      },
    }
  })
})

describe('runtime/server: kafkajs publisher (no broker needed)', () => {
  it('fails as retriable, not forever, when no broker listens, and says so on ping', async () => {
    const log = createLogger('silent', () => undefined, Date.now)
    const p = await openKafkajsPublisher({
      brokers: ['127.0.0.1:1'],
      clientId: 't',
      ssl: false,
      timeoutMs: 1000,
      lingerMs: 0,
      log,
    })
    const rec = {
      topic: 'transactions.realtime',
      key: 'stripe:pi_1',
      headers: {},
      value: {} as never,
    }
    await expect(p.publish([rec])).rejects.toBeInstanceOf(PublishFailed)
    expect(await p.ping()).toMatchObject({ ok: false, kind: 'kafkajs' })
    await p.close()
  })
})

/** Reads the topic from the beginning until it holds `count` records or 20 s pass. */
async function consume(kafka: Kafka, topic: string, count: number): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: `txgate-test-${randomUUID()}` })
  const got: ConsumedRecord[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000)
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {}
          for (const [name, v] of Object.entries(message.headers ?? {})) headers[name] = String(v)
          got.push({
            partition,
            key: message.key?.toString('utf8') ?? null,
            headers,
            value: message.value ? JSON.parse(message.value.toString('utf8')) : null,
          })
          if (got.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return got
}
