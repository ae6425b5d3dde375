/** @module Kafka over TCP with kafkajs: acks=all, idempotent, one produce in flight, concurrent publishes batched. */
import type {
  Admin,
  LogEntry,
  Message,
  SASLOptions,
} from 'kafkajs'
import type { Logger } from '../../observability/log.ts'
import { createBatcher } from '../../publish/batcher.ts'
import { PublishFailed, type RecordOutcome } from '../../publish/errors.ts'
import { isEncoded, valueBytes } from '../../publish/encode.ts'
import type { OutboundRecord, Publisher } from '../../publish/types.ts'

export type KafkajsOptions = {
  brokers: string[]
  clientId: string
  ssl: boolean
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'
    username: string
    password: string
  }
  /** Broker ack and request timeout; the durable publisher bounds the caller's wait anyway. */
  timeoutMs: number
  lingerMs: number
  log: Logger
}

/** Kafka refused the record itself: sending it again cannot help. */
const RECORD_FAULTS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
])

// Bounded, so a dead cluster fails a send within seconds and frees the one in-flight slot.
// The records then go to the spool and are sent again: at least once, deduped on event_id.
const RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 }

/**
 * kafkajs is imported here, when a publisher is opened, not with this module, so processes that
 * publish elsewhere (the spool, the REST bridge) do not load it (see openRedisStore for the gain).
 */
export async function openKafkajsPublisher(opts: KafkajsOptions): Promise<Publisher> {
  const { Kafka, logLevel, Partitioners } = await import('kafkajs')
  const { log, timeoutMs } = opts
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ssl: opts.ssl,
    ...(opts.sasl ? { sasl: saslOptions(opts.sasl) } : {}),
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: RETRY,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => forward(log, entry, logLevel.ERROR),
  })
  const producer = kafka.producer({
    idempotent: true,
    // With more than one request in flight a retried batch could land after a later one.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java-compatible murmur2 on the key bytes: the same partition the REST proxy picks.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: RETRY,
  })
  let connecting: Promise<void> | undefined
  producer.on(producer.events.DISCONNECT, () => (connecting = undefined))
  const connect = (): Promise<void> =>
    (connecting ??= producer.connect().catch((err: unknown) => {
      connecting = undefined
      throw err
    }))
  let admin: Promise<Admin> | undefined

  async function sendBatch(records: readonly OutboundRecord[]): Promise<void> {
    await connect()
    // acks -1: every in-sync replica has the record before the caller's 200.
    await producer.sendBatch({ acks: -1, timeout: timeoutMs, topicMessages: byTopic(records) })
  }

  /** kafkajs answers for a batch as a whole; a record Kafka refuses is found by sending alone. */
  async function send(records: readonly OutboundRecord[]): Promise<RecordOutcome[]> {
    try {
      await sendBatch(records)
      return records.map(() => ({ ok: true }))
    } catch (err) {
      const fault = recordFault(err)
      if (fault === undefined) throw new PublishFailed(`kafkajs: ${describe(err)}`)
      if (records.length === 1) return [{ ok: false, permanent: true, reason: fault }]
      const out: RecordOutcome[] = []
      for (const r of records) {
        out.push(
          ...(await send([r]).catch((e: unknown) => [
            { ok: false as const, permanent: false, reason: describe(e) },
          ])),
        )
      }
      return out
    }
  }

  const submit = createBatcher({ send, lingerMs: opts.lingerMs })

  return {
    kind: 'kafkajs',
    publish: (records, publishOpts) => submit(records, publishOpts),
    async ping() {
      try {
        admin ??= (async () => {
          const a = kafka.admin()
          await a.connect()
          return a
        })()
        const cluster = await (await admin).describeCluster()
        return {
          ok: true,
          kind: 'kafkajs',
          detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
        }
      } catch (err) {
        const stale = admin
        admin = undefined
        void stale?.then((a) => a.disconnect()).catch(() => undefined)
        return { ok: false, kind: 'kafkajs', detail: `${opts.brokers.join(',')}: ${describe(err)}` }
      }
    },
    async close() {
      await producer.disconnect().catch(() => undefined)
      await admin?.then((a) => a.disconnect()).catch(() => undefined)
    },
  }
}

// --- Internal helpers ---

function byTopic(records: readonly OutboundRecord[]): { topic: string; messages: Message[] }[] {
  const topics = new Map<string, Message[]>()
  for (const r of records) {
    const messages = topics.get(r.topic) ?? []
    messages.push({ key: r.key, value: isEncoded(r) ? bufferOf(valueBytes(r)) : JSON.stringify(r.value), headers: r.headers })
    topics.set(r.topic, messages)
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }))
}

/** The protocol error type when the error (or its cause) blames a record, else undefined. */
function recordFault(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined
  const e = err as { type?: unknown; cause?: unknown; errors?: unknown; message?: unknown }
  if (typeof e.type === 'string' && RECORD_FAULTS.has(e.type))
    return `${e.type}: ${String(e.message)}`
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = recordFault(inner, depth + 1)
    if (found) return found
  }
  return undefined
}

function saslOptions(s: NonNullable<KafkajsOptions['sasl']>): SASLOptions {
  const { username, password } = s
  if (s.mechanism === 'plain') return { mechanism: 'plain', username, password }
  if (s.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password }
  return { mechanism: 'scram-sha-512', username, password }
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err))

function forward(log: Logger, { namespace, level, log: entry }: LogEntry, errorLevel: number): void {
  const { message, timestamp: _t, logger: _l, ...extra } = entry
  // We promise at least once (deduped on event_id); bounded retries are chosen on purpose.
  if (message.startsWith('Limiting retries for the idempotent producer')) return
  const fields = { kafkajs: namespace, ...extra }
  if (level === errorLevel) log.warn(`kafkajs: ${message}`, fields)
  else log.info(`kafkajs: ${message}`, fields)
}

/**
 * A copy, not a view: kafkajs holds messages while it retries, possibly after the caller stopped
 * waiting (a publish timed out into the spool), and the batch path reuses the buffer behind a
 * view once its publish has settled.
 */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes)
}
