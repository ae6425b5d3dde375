/**
 * @module Kafka consumer-group adapter (kafkajs) for a partner's cluster. Offsets are resolved
 * only for the leading run of durable messages (offsets.ts) and committed from there; a retry
 * verdict seeks the partition back to its first pending offset, and the flow's pause holds the
 * re-read messages. kafkajs commits resolved offsets before a rebalance, and each batch's
 * messages finish before it rejoins, so a revoked partition is never committed past its output.
 */
import { readFileSync } from 'node:fs'
import type { Consumer, EachBatchPayload, KafkaMessage, LogEntry, SASLOptions } from 'kafkajs'
import type { Logger } from '../../../observability/log.ts'
import type { QueueMessage } from '../../../sources/queue/consume.ts'
import type { QueueFlow } from '../../../sources/queue/flow.ts'
import { createOffsetTracker } from '../../../sources/queue/offsets.ts'
import type { QueueAdapter } from '../../../sources/queue/run.ts'

export type KafkaSource = {
  brokers: string[]
  clientId: string
  groupId: string
  topics: string[]
  fromBeginning?: boolean
  ssl?: boolean | { ca?: string; rejectUnauthorized: boolean }
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  /** Bytes per fetch, and per partition per fetch. */
  maxBytes?: number
  maxBytesPerPartition?: number
  sessionTimeoutMs?: number
}

// A batch blocked on a slow output (or a pause) must still heartbeat, or the group evicts us.
const HEARTBEAT_MS = 3000

export function kafkaAdapter(src: KafkaSource, log?: Logger): QueueAdapter {
  let consumer: Consumer | undefined
  let admin: import('kafkajs').Admin | undefined
  let halted = false
  const tracker = createOffsetTracker()

  async function eachBatch(flow: QueueFlow, p: EachBatchPayload): Promise<void> {
    const { batch } = p
    const key = `${batch.topic}:${batch.partition}`
    const pending: Promise<unknown>[] = []
    let seekTo: string | undefined
    const beat = setInterval(() => void p.heartbeat().catch(() => undefined), HEARTBEAT_MS)
    try {
      for (const message of batch.messages) {
        if (halted || flow.stopping || seekTo !== undefined || !p.isRunning() || p.isStale()) break
        await flow.ready()
        tracker.track(key, message.offset)
        pending.push(
          flow.deliver(toQueueMessage(batch.topic, batch.partition, message), {
            ack: () => {
              const through = tracker.done(key, message.offset)
              if (through !== undefined) p.resolveOffset(through)
            },
            retry: () => {
              seekTo ??= tracker.firstPending(key) ?? message.offset
            },
          }),
        )
      }
      await Promise.all(pending)
    } finally {
      clearInterval(beat)
    }
    if (seekTo !== undefined && p.isRunning() && !p.isStale() && !halted) {
      // Read again from the first message not durable; the done ones after it come back as duplicates.
      tracker.forget(key)
      consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: seekTo })
    }
    // Stopping: commit what is durable now, not at the next interval, so a restart re-reads nothing of it.
    if (halted || flow.stopping) await p.commitOffsetsIfNecessary(p.uncommittedOffsets())
    else await p.commitOffsetsIfNecessary()
  }

  return {
    kind: 'kafka',
    async start(flow) {
      const { Kafka, logLevel } = await import('kafkajs')
      const kafka = new Kafka({
        clientId: src.clientId,
        brokers: src.brokers,
        ...(src.ssl === undefined ? {} : { ssl: typeof src.ssl === 'boolean' ? src.ssl : { rejectUnauthorized: src.ssl.rejectUnauthorized, ...(src.ssl.ca ? { ca: [src.ssl.ca] } : {}) } }),
        ...(src.sasl ? { sasl: saslOptions(src.sasl) } : {}),
        logLevel: logLevel.WARN,
        logCreator: () => (entry: LogEntry) => log?.warn(`kafkajs: ${entry.log.message}`, { kafkajs: entry.namespace, group: src.groupId }),
      })
      const c = kafka.consumer({
        groupId: src.groupId,
        ...(src.sessionTimeoutMs ? { sessionTimeout: src.sessionTimeoutMs } : {}),
        maxBytes: src.maxBytes ?? 10 * 1024 * 1024,
        maxBytesPerPartition: src.maxBytesPerPartition ?? 1024 * 1024,
        maxWaitTimeInMs: 500,
      })
      consumer = c
      admin = kafka.admin()
      await c.connect()
      await admin.connect()
      // A new assignment starts from the committed offsets: what the tracker held is stale.
      c.on(c.events.GROUP_JOIN, () => {
        for (const part of tracker.partitions()) tracker.forget(part)
      })
      await c.subscribe({ topics: src.topics, fromBeginning: src.fromBeginning ?? false })
      await c.run({
        autoCommit: true,
        autoCommitInterval: 1000,
        eachBatchAutoResolve: false,
        // Partitions in parallel, each in order; the flow bounds the messages across all of them.
        partitionsConsumedConcurrently: 8,
        eachBatch: (p) => eachBatch(flow, p),
      })
    },
    async halt() {
      halted = true
    },
    async close() {
      // stop() waits for the running batches (their messages are settled by now) and commits.
      await consumer?.stop().catch(() => undefined)
      await consumer?.disconnect().catch(() => undefined)
      await admin?.disconnect().catch(() => undefined)
    },
    async lag() {
      if (!admin) return undefined
      let total = 0
      const committed = await admin.fetchOffsets({ groupId: src.groupId, topics: src.topics })
      for (const t of committed) {
        const high = await admin.fetchTopicOffsets(t.topic)
        for (const part of high) {
          const c = t.partitions.find((x) => x.partition === part.partition)
          // No commit yet (-1): the whole partition from its low watermark is waiting.
          const from = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(part.low)
          total += Math.max(0, Number(part.high) - from)
        }
      }
      return total
    },
  }
}

/** The `kafka` kind's settings → the adapter's, secrets read from `settings` by name. */
export function kafkaSourceFrom(
  s: { brokers: string[]; client_id: string; group_id: string; topics: string[]; from_beginning: boolean; tls: boolean | { ca_file?: string | undefined; reject_unauthorized: boolean }; sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username_env: string; password_env: string } | undefined; max_bytes: number; max_bytes_per_partition: number; session_timeout_ms: number },
  settings: Record<string, string | undefined>,
): KafkaSource {
  const need = (name: string) => {
    const v = settings[name]
    if (!v) throw new Error(`${name} is not set`)
    return v
  }
  return {
    brokers: s.brokers,
    clientId: s.client_id,
    groupId: s.group_id,
    topics: s.topics,
    fromBeginning: s.from_beginning,
    ssl: typeof s.tls === 'boolean' ? s.tls : { rejectUnauthorized: s.tls.reject_unauthorized, ...(s.tls.ca_file ? { ca: readFileSync(s.tls.ca_file, 'utf8') } : {}) },
    ...(s.sasl ? { sasl: { mechanism: s.sasl.mechanism, username: need(s.sasl.username_env), password: need(s.sasl.password_env) } } : {}),
    maxBytes: s.max_bytes,
    maxBytesPerPartition: s.max_bytes_per_partition,
    sessionTimeoutMs: s.session_timeout_ms,
  }
}

function toQueueMessage(topic: string, partition: number, m: KafkaMessage): QueueMessage {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v === undefined) continue
    headers[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map((x) => String(x)).join(', ')
  }
  const value = m.value ?? Buffer.alloc(0)
  return {
    body: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) as Uint8Array<ArrayBuffer>,
    headers,
    position: { topic, partition, offset: m.offset },
    // Kafka does not mark redeliveries; a re-read message is caught by the idempotency store.
    redelivered: false,
  }
}

function saslOptions(s: NonNullable<KafkaSource['sasl']>): SASLOptions {
  const { username, password } = s
  if (s.mechanism === 'plain') return { mechanism: 'plain', username, password }
  if (s.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password }
  return { mechanism: 'scram-sha-512', username, password }
}
