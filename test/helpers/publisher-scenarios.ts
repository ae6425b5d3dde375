/**
 * The delivery scenarios every Kafka transport runs: kafkajs against a real broker (when
 * KAFKA_BROKERS names one) and the REST publisher against the local bridge double (always).
 * They assert only what a consumer of the topics can see.
 */
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/observability/log.ts'
import { createBreaker } from '../../src/publish/breaker.ts'
import { createDurablePublisher } from '../../src/publish/durable.ts'
import type { KafkaRecord, Publisher } from '../../src/publish/types.ts'
import { openSpool } from '../../src/runtime/server/spool.ts'
import { createSpoolBacklog } from '../../src/runtime/server/spool-publisher.ts'
import { tempDir } from './temp-dir.ts'

export type ConsumedRecord = {
  partition: number
  key: string | null
  headers: Record<string, string>
  value: unknown
}

export type Transport = {
  /** False for REST v2, which has no record headers: event_id is read from the message then. */
  carriesHeaders: boolean
  /** A publisher that reaches the broker (or bridge). */
  reachable(): Publisher | Promise<Publisher>
  /** A publisher whose broker cannot be reached (nothing listens there). */
  unreachable(): Publisher | Promise<Publisher>
  /** A new, empty topic for one test. */
  topic(name: string): Promise<string>
  /** What the topic holds once it holds at least `count` records (bounded wait), in partition order. */
  read(topic: string, count: number): Promise<ConsumedRecord[]>
  close(): Promise<void>
}

const HEADERS = ['event_id', 'provider', 'source', 'schema_version', 'traceparent', 'content-type']

export function publisherScenarios(name: string, make: () => Promise<Transport>): void {
  describe(`delivery scenarios: ${name}`, () => {
    const withTransport = (fn: (t: Transport) => Promise<void>) => async () => {
      const t = await make()
      try {
        await fn(t)
      } finally {
        await t.close()
      }
    }

    it(
      'lands a record with the key {provider}:{transaction_id}, the six headers and the message as JSON',
      withTransport(async (t) => {
        const topic = await t.topic('realtime')
        const p = await t.reachable()
        await p.publish([record(topic, 1)])
        await p.close()
        const [got] = await t.read(topic, 1)
        expect(got?.key).toBe('stripe:pi_1')
        if (t.carriesHeaders) {
          expect(got?.headers).toEqual(record(topic, 1).headers)
          expect(Object.keys(got?.headers ?? {}).sort()).toEqual([...HEADERS].sort())
        } else {
          expect(got?.headers).toEqual({})
        }
        expect(got?.value).toEqual(record(topic, 1).value)
      }),
    )

    it(
      'acknowledges each of 50 concurrent publishes, and every record lands once',
      withTransport(async (t) => {
        const topic = await t.topic('realtime')
        const p = await t.reachable()
        await Promise.all(Array.from({ length: 50 }, (_, i) => p.publish([record(topic, i)])))
        await p.close()
        const ids = (await t.read(topic, 50)).map(eventIdOf)
        expect(ids.sort()).toEqual(Array.from({ length: 50 }, (_, i) => eventId(i)).sort())
      }),
    )

    it(
      'keeps one transaction’s events in order on one partition',
      withTransport(async (t) => {
        const topic = await t.topic('realtime')
        const p = await t.reachable()
        for (let i = 0; i < 10; i++) await p.publish([record(topic, i, 'pi_same')])
        await p.close()
        const got = await t.read(topic, 10)
        expect(new Set(got.map((r) => r.partition)).size).toBe(1)
        expect(got.map(eventIdOf)).toEqual(Array.from({ length: 10 }, (_, i) => eventId(i)))
      }),
    )

    it(
      'spools while the broker is unreachable; after a restart with the broker back, replays it all in order',
      withTransport(async (t) => {
        const topic = await t.topic('realtime')
        const dlq = await t.topic('dlq')
        const dir = await tempDir('scenario')
        const down = await durable(await t.unreachable(), dir)
        for (let i = 0; i < 6; i++)
          await down.publish([record(i === 3 ? dlq : topic, i, 'pi_same')])
        await down.close()
        const up = await durable(await t.reachable(), dir)
        try {
          const got = await t.read(topic, 5)
          expect(got.map(eventIdOf)).toEqual([0, 1, 2, 4, 5].map(eventId))
          expect((await t.read(dlq, 1)).map(eventIdOf)).toEqual([eventId(3)])
        } finally {
          await up.close()
        }
      }),
    )
  })
}

// --- Internal helpers ---

/** The header where there are headers; the message carries it too (v2). */
const eventIdOf = (r: ConsumedRecord): string | undefined =>
  r.headers['event_id'] ?? (r.value as { event_id?: string } | null)?.event_id

const eventId = (n: number) => `0190c5a1-0000-7000-8000-${String(n).padStart(12, '0')}`

/** A Stripe transaction record as the pipeline builds it, numbered n. */
export function record(topic: string, n: number, transactionId = `pi_${n}`): KafkaRecord {
  const id = eventId(n)
  return {
    topic,
    key: `stripe:${transactionId}`,
    headers: {
      event_id: id,
      provider: 'stripe',
      source: 'webhook',
      schema_version: '1.0',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'content-type': 'application/json',
    },
    value: {
      schema_version: '1.0',
      event_id: id,
      provider: 'stripe',
      transaction_id: transactionId,
      amount: 1099 + n,
      currency: 'USD',
    } as unknown as KafkaRecord['value'],
  }
}

async function durable(primary: Publisher, dir: string): Promise<Publisher> {
  const spool = await openSpool({ dir, maxBytes: 1 << 20 })
  return createDurablePublisher({
    primary,
    backlog: createSpoolBacklog(spool),
    breaker: createBreaker({ clock: Date.now, failureThreshold: 2, cooldownMs: 200 }),
    log: createLogger('silent', () => undefined, Date.now),
    timeoutMs: 3000,
  })
}
