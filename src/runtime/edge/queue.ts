/**
 * @module Edge durability: an accepted record waits in a Cloudflare Queue (the webhook answers 200
 * once the queue has it), and the Worker's `queue()` consumer forwards batches to the Kafka REST
 * bridge, retrying with backoff while the bridge is down. The queued body is the record's JSON
 * `{topic, key, headers, value}`, so what reaches Kafka is what the direct path sends.
 */
import { ConfigError, type Settings } from '../../config.ts'
import type { Logger } from '../../observability/log.ts'
import { recordJson } from '../../publish/encode.ts'
import type { KafkaRestClient } from '../../publish/kafka-rest.ts'
import type { KafkaRecord, OutboundRecord, Publisher } from '../../publish/types.ts'
import type { MessageBatch, QueueMessage, QueueProducer } from './workers-types.ts'

/** The producer binding accepted events go to (wrangler.toml `[[queues.producers]]`). */
export const QUEUE_BINDING = 'TXGATE_QUEUE'
/** Optional producer binding to the dead-letter queue, for records Kafka refuses for good. */
export const DLQ_BINDING = 'TXGATE_DLQ'

// Queues takes 128 KB per message (with ~100 B of metadata) and 100 messages or 256 KB per sendBatch.
const MAX_MESSAGE_BYTES = 120_000
const MAX_BATCH_MESSAGES = 100
const MAX_BATCH_BYTES = 240_000
// Queues' longest retry delay is 12 hours.
const MAX_DELAY_S = 43_200

export type RetryDelay = (attempts: number) => number

/**
 * Exponential backoff for a message that failed `attempts` times: TXGATE_QUEUE_RETRY_BASE_S
 * (default 5), doubling, at most TXGATE_QUEUE_RETRY_MAX_S (default 300).
 */
export function retryDelayFrom(settings: Settings): RetryDelay {
  const seconds = (name: string, fallback: number): number => {
    const raw = settings[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0 || n > MAX_DELAY_S) {
      throw new ConfigError(`invalid configuration: ${name} must be whole seconds from 0 to ${MAX_DELAY_S}`)
    }
    return n
  }
  const base = seconds('TXGATE_QUEUE_RETRY_BASE_S', 5)
  const max = seconds('TXGATE_QUEUE_RETRY_MAX_S', 300)
  return (attempts) => Math.min(max, base * 2 ** Math.min(30, Math.max(0, attempts - 1)))
}

/**
 * Publishes into the queue. A record too large for a queue message, or any record when the queue
 * refuses the send, goes to the bridge directly instead (a failure there is the caller's 503).
 */
export function queuePublisher(queue: QueueProducer, direct: Publisher, log: Logger): Publisher {
  return {
    kind: 'cloudflare-queue',
    async publish(records, opts) {
      const queued: { record: OutboundRecord; body: string }[] = []
      const oversized: OutboundRecord[] = []
      for (const record of records) {
        const body = recordJson(record)
        if (byteLength(body) > MAX_MESSAGE_BYTES) oversized.push(record)
        else queued.push({ record, body })
      }
      const sent = Promise.all(
        batches(queued).map(async (batch) => {
          try {
            await queue.sendBatch(batch.map((q) => ({ body: q.body, contentType: 'text' as const })))
          } catch (err) {
            log.warn('queue send failed; publishing to the Kafka REST bridge directly', { error: String(err) })
            await direct.publish(
              batch.map((q) => q.record),
              opts,
            )
          }
        }),
      )
      await Promise.all([sent, oversized.length > 0 ? direct.publish(oversized, opts) : undefined])
    },
    async ping() {
      // The queue takes events while the bridge is down: readiness does not depend on the bridge.
      const bridge = await direct.ping()
      const state = bridge.ok ? 'up' : 'down, events wait in the queue'
      return {
        ok: true,
        kind: 'cloudflare-queue',
        detail: `${QUEUE_BINDING} → ${bridge.kind} (${state}: ${bridge.detail ?? ''})`,
      }
    },
    close: () => direct.close(),
  }
}

export type Forwarder = {
  /** Where the records go; undefined when KAFKA_REST_URL is not set. */
  client: KafkaRestClient | undefined
  dlq: QueueProducer | undefined
  retryDelay: RetryDelay
  log: Logger
}

/**
 * The queue consumer: sends the batch's records to the bridge in one call and settles each message
 * by its own outcome — ack, retry later (bridge down, 5xx, timeout), or to the dead-letter queue
 * (refused for what it is: retrying cannot help). Never throws: every message is settled here.
 */
export async function forwardBatch(batch: MessageBatch, f: Forwarder): Promise<void> {
  const retry = (m: QueueMessage) => m.retry({ delaySeconds: f.retryDelay(m.attempts) })
  if (!f.client) {
    f.log.error('queued events cannot be forwarded: KAFKA_REST_URL is not set; retrying later', {
      messages: batch.messages.length,
    })
    for (const m of batch.messages) retry(m)
    return
  }
  const items: { message: QueueMessage; record: KafkaRecord }[] = []
  for (const message of batch.messages) {
    const record = queuedRecord(message.body)
    if (record) items.push({ message, record })
    else await deadLetter(message, 'not a txgate record', f)
  }
  if (items.length === 0) return
  let outcomes
  try {
    outcomes = await f.client.send(items.map((i) => i.record))
  } catch (err) {
    const attempts = Math.max(...items.map((i) => i.message.attempts))
    f.log.warn('the Kafka REST bridge did not take the queued events; retrying later', {
      messages: items.length,
      attempts,
      retry_in_s: f.retryDelay(attempts),
      error: String(err),
    })
    for (const i of items) retry(i.message)
    return
  }
  await Promise.all(
    items.map(async ({ message }, n) => {
      const o = outcomes[n] ?? { ok: false as const, permanent: false, reason: 'no result' }
      if (o.ok) message.ack()
      else if (!o.permanent) retry(message)
      else await deadLetter(message, o.reason, f)
    }),
  )
}

// --- Internal helpers ---

/** The queue consumer's own dead-letter queue takes it after max_retries when no DLQ producer is bound. */
async function deadLetter(message: QueueMessage, reason: string, f: Forwarder): Promise<void> {
  f.log.error('queued event cannot be delivered; moving it to the dead-letter queue', {
    message_id: message.id,
    reason,
  })
  if (!f.dlq) return message.retry({ delaySeconds: f.retryDelay(Number.MAX_SAFE_INTEGER) })
  try {
    // Ours are text; a foreign body keeps its own shape as far as JSON can carry it.
    await f.dlq.send(message.body, { contentType: typeof message.body === 'string' ? 'text' : 'json' })
    message.ack()
  } catch (err) {
    f.log.warn('dead-letter queue send failed; retrying later', { error: String(err) })
    message.retry({ delaySeconds: f.retryDelay(message.attempts) })
  }
}

/** A queued body back to its record, or undefined when it is not one of ours. */
function queuedRecord(body: unknown): KafkaRecord | undefined {
  if (typeof body !== 'string') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const r = parsed as Partial<Record<keyof KafkaRecord, unknown>> | null
  if (!r || typeof r.topic !== 'string' || typeof r.key !== 'string' || typeof r.value !== 'object' || !r.value)
    return undefined
  const headers = r.headers
  if (typeof headers !== 'object' || headers === null) return undefined
  if (!Object.values(headers).every((v) => typeof v === 'string')) return undefined
  return parsed as KafkaRecord
}

/** Groups of messages within one sendBatch's limits. */
function batches<T extends { body: string }>(items: readonly T[]): T[][] {
  const out: T[][] = []
  let batch: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = byteLength(item.body) + 100
    if (batch.length > 0 && (batch.length === MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
      out.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(item)
    bytes += size
  }
  if (batch.length > 0) out.push(batch)
  return out
}

const encoder = new TextEncoder()
const byteLength = (s: string): number => encoder.encode(s).byteLength
