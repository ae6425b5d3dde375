/**
 * The Worker's queue buffer, in-process: what the producer side puts in a queue message and how
 * the consumer settles each message against the local Kafka REST bridge. The queue itself is a
 * list here; wrangler-queue.test.ts runs the same code on miniflare's real local queues.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/config.ts'
import { createLogger } from '../../../src/observability/log.ts'
import { createKafkaRestClient, restPublisher, type KafkaRestClient } from '../../../src/publish/kafka-rest.ts'
import type { KafkaRecord, Publisher } from '../../../src/publish/types.ts'
import { forwardBatch, queuePublisher, retryDelayFrom, type Forwarder } from '../../../src/runtime/edge/queue.ts'
import type { MessageBatch, QueueMessage, QueueProducer } from '../../../src/runtime/edge/workers-types.ts'
import worker from '../../../src/runtime/workers.ts'
import { startKafkaRestDouble, type KafkaRestDouble, type StoredRecord } from '../../helpers/kafka-rest-double.ts'
import { record as stripeRecord } from '../../helpers/publisher-scenarios.ts'

const TOPIC = 'transactions.realtime'
/** A numbered Stripe record whose raw payload needs care in JSON (escapes, emoji, a big integer). */
function record(n: number, extra = ''): KafkaRecord {
  const r = stripeRecord(TOPIC, n)
  const raw_payload = { note: `naïve "quoted" \\ 😀 ${extra}`, big: 12345678901234567, f: 0.1 }
  return { ...r, value: { ...r.value, raw_payload } as KafkaRecord['value'] }
}

type MemoryQueue = QueueProducer & { bodies: unknown[]; failWith?: Error }
function memoryQueue(): MemoryQueue {
  const q: MemoryQueue = {
    bodies: [],
    async send(body) {
      if (q.failWith) throw q.failWith
      q.bodies.push(body)
    },
    async sendBatch(messages) {
      if (q.failWith) throw q.failWith
      for (const m of messages) q.bodies.push(m.body)
    },
  }
  return q
}

type Settled = { acked: boolean; retryDelay?: number | undefined }
function batchOf(bodies: unknown[], attempts = 1): { batch: MessageBatch; settled: Settled[] } {
  const settled: Settled[] = bodies.map(() => ({ acked: false }))
  const messages: QueueMessage[] = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    body,
    attempts,
    ack: () => void ((settled[i] as Settled).acked = true),
    retry: (o) => void ((settled[i] as Settled).retryDelay = o?.delaySeconds ?? 0),
  }))
  const batch: MessageBatch = {
    queue: 'txgate-events',
    messages,
    ackAll: () => messages.forEach((m) => m.ack()),
    retryAll: (o) => messages.forEach((m) => m.retry(o)),
  }
  return { batch, settled }
}

const lines: string[] = []
const log = createLogger('info', (l) => lines.push(l), Date.now)
const withoutPlace = ({ topic, key, headers, value }: StoredRecord) => ({ topic, key, headers, value })

let bridge: KafkaRestDouble
let client: KafkaRestClient
let direct: Publisher
let forwarder: Forwarder
beforeEach(async () => {
  lines.length = 0
  bridge = await startKafkaRestDouble({ topics: [TOPIC, 'transactions.dlq'] })
  client = createKafkaRestClient({ url: bridge.url, clusterId: bridge.clusterId, fetch, timeoutMs: 1000 })
  direct = restPublisher(client, { batching: false })
  forwarder = { client, dlq: undefined, retryDelay: retryDelayFrom({}), log }
})
afterEach(() => bridge.close())

describe('edge queue: producer side', () => {
  it('a record that went through the queue reaches Kafka exactly as the direct path sends it', async () => {
    const q = memoryQueue()
    await queuePublisher(q, direct, log).publish([record(1), record(2)])
    expect(bridge.records()).toEqual([]) // only queued so far
    const { batch, settled } = batchOf(q.bodies)
    await forwardBatch(batch, forwarder)
    expect(settled).toEqual([{ acked: true }, { acked: true }])
    const viaQueue = bridge.records().map(withoutPlace)

    await direct.publish([record(1), record(2)])
    const directly = bridge.records().slice(2).map(withoutPlace)
    expect(viaQueue).toEqual(directly)
    expect(viaQueue[0]?.key).toBe('stripe:pi_1')
    expect(viaQueue[0]?.headers).toEqual(record(1).headers)
  })

  it('publishes to the bridge directly when the queue refuses the send, and fails only when both do', async () => {
    const q = memoryQueue()
    q.failWith = new Error('Queue send failed: 10503')
    const pub = queuePublisher(q, direct, log)
    await pub.publish([record(1)])
    expect(bridge.records().map((r) => r.key)).toEqual(['stripe:pi_1'])
    expect(lines.join('\n')).toMatch(/queue send failed; publishing to the Kafka REST bridge directly/)
    bridge.mode = 'error'
    await expect(pub.publish([record(2)])).rejects.toThrow(/HTTP 500/)
  })

  it('sends a record too large for a queue message (128 KB) to the bridge directly', async () => {
    const q = memoryQueue()
    await queuePublisher(q, direct, log).publish([record(1, 'x'.repeat(130_000)), record(2)])
    expect(q.bodies).toHaveLength(1)
    expect(bridge.records().map((r) => r.key)).toEqual(['stripe:pi_1'])
  })

  it('stays ready while the bridge is down (the queue takes the events), and says so', async () => {
    const pub = queuePublisher(memoryQueue(), direct, log)
    expect(await pub.ping()).toMatchObject({ ok: true, kind: 'cloudflare-queue', detail: expect.stringMatching(/\(up: /) })
    await bridge.close()
    const down = await pub.ping()
    expect(down.ok).toBe(true)
    expect(down.detail).toMatch(/kafka-rest-v3 \(down, events wait in the queue/)
  })
})

describe('edge queue: consumer side', () => {
  const queued = async (...records: KafkaRecord[]) => {
    const q = memoryQueue()
    await queuePublisher(q, direct, log).publish(records)
    return q.bodies
  }

  it('bridge down: retries every message later, with backoff by its attempts, and acks none', async () => {
    const bodies = await queued(record(1), record(2))
    await bridge.close()
    const first = batchOf(bodies, 1)
    await forwardBatch(first.batch, forwarder)
    expect(first.settled).toEqual([
      { acked: false, retryDelay: 5 },
      { acked: false, retryDelay: 5 },
    ])
    const fourth = batchOf(bodies, 4)
    await forwardBatch(fourth.batch, forwarder)
    expect(fourth.settled.map((s) => s.retryDelay)).toEqual([40, 40])
    const late = batchOf(bodies, 40)
    await forwardBatch(late.batch, forwarder)
    expect(late.settled.map((s) => s.retryDelay)).toEqual([300, 300])
    expect(lines.join('\n')).toMatch(/did not take the queued events; retrying later/)
  })

  it('bridge answering 5xx: retries; back to healthy: acks and delivers once', async () => {
    const bodies = await queued(record(1))
    bridge.mode = 'error'
    const failed = batchOf(bodies)
    await forwardBatch(failed.batch, forwarder)
    expect(failed.settled).toEqual([{ acked: false, retryDelay: 5 }])
    bridge.mode = 'healthy'
    const again = batchOf(bodies, 2)
    await forwardBatch(again.batch, forwarder)
    expect(again.settled).toEqual([{ acked: true }])
    expect(bridge.records()).toHaveLength(1)
  })

  it('a record Kafka refuses goes to the DLQ binding and is acked; the rest of the batch is delivered', async () => {
    const bodies = await queued(record(1), record(2), record(3))
    bridge.reject = (r) => (r.key === 'stripe:pi_2' ? { status: 422, message: 'record too large' } : undefined)
    const dlq = memoryQueue()
    const { batch, settled } = batchOf(bodies)
    await forwardBatch(batch, { ...forwarder, dlq })
    expect(settled.every((s) => s.acked)).toBe(true)
    expect(bridge.records().map((r) => r.key)).toEqual(['stripe:pi_1', 'stripe:pi_3'])
    expect(dlq.bodies).toEqual([bodies[1]])
    expect(lines.join('\n')).toMatch(/cannot be delivered.*record too large/)
  })

  it('without a DLQ binding, a refused record or a foreign body is retried at the longest delay (the consumer’s dead_letter_queue takes it after max_retries)', async () => {
    const bodies = await queued(record(1))
    bridge.reject = () => ({ status: 422, message: 'invalid' })
    const { batch, settled } = batchOf([...bodies, 'not json', JSON.stringify({ topic: 1 })])
    await forwardBatch(batch, forwarder)
    expect(settled).toEqual([
      { acked: false, retryDelay: 300 },
      { acked: false, retryDelay: 300 },
      { acked: false, retryDelay: 300 },
    ])
  })

  it('with no bridge configured, keeps every message for later', async () => {
    const { batch, settled } = batchOf(await queued(record(1)))
    await forwardBatch(batch, { ...forwarder, client: undefined })
    expect(settled).toEqual([{ acked: false, retryDelay: 5 }])
    expect(lines.join('\n')).toMatch(/KAFKA_REST_URL is not set/)
  })

  it('reads its backoff from TXGATE_QUEUE_RETRY_BASE_S and _MAX_S, and refuses a bad value', () => {
    const delay = retryDelayFrom({ TXGATE_QUEUE_RETRY_BASE_S: '1', TXGATE_QUEUE_RETRY_MAX_S: '3' })
    expect([1, 2, 3, 4].map(delay)).toEqual([1, 2, 3, 3])
    expect(() => retryDelayFrom({ TXGATE_QUEUE_RETRY_MAX_S: '-1' })).toThrow(ConfigError)
    expect(() => retryDelayFrom({ TXGATE_QUEUE_RETRY_BASE_S: '2.5' })).toThrow(/TXGATE_QUEUE_RETRY_BASE_S/)
  })
})

describe('edge queue: the Worker’s queue() handler', () => {
  it('keeps a batch for later (not thrown, which would be retried at once) when the Worker cannot start', async () => {
    const { batch, settled } = batchOf(await queuedBodies())
    const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined }
    await worker.queue(batch, { KAFKA_REST_URL: 'not a url' }, ctx)
    expect(settled).toEqual([{ acked: false, retryDelay: 300 }])
  })

  async function queuedBodies(): Promise<unknown[]> {
    const q = memoryQueue()
    await queuePublisher(q, direct, log).publish([record(1)])
    return q.bodies
  }
})
