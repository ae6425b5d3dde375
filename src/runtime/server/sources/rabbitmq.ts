/** @module RabbitMQ (AMQP 0-9-1) adapter: a durable queue bound to an exchange, prefetch, manual ack; reconnects after a lost connection. */
import amqp from 'amqplib'
import type { Logger } from '../../../observability/log.ts'
import type { Metrics } from '../../../observability/metrics.ts'
import type { QueueConsumer, QueueMessage } from '../../../sources/queue/consume.ts'
import type { QueueFlow } from '../../../sources/queue/flow.ts'
import { startQueueSource, type QueueAdapter, type RunningQueueSource } from '../../../sources/queue/run.ts'

export type RabbitSource = {
  url: string
  exchange: string
  exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers'
  /** false: the exchange must exist already (a partner's, declared with settings txgate must not touch). */
  declareExchange?: boolean
  queue: string
  routingKeys: readonly string[]
  /** x-arguments of the queue when txgate declares it (e.g. `x-queue-type: quorum`). */
  queueArguments?: Record<string, unknown>
  /** Unacked messages in flight at most (a limit, not a hint). Default 100. */
  prefetch?: number
  /** Body bytes in flight at most. */
  maxBytes?: number
  backoff?: { baseMs: number; maxMs: number }
  /** Waits between reconnection attempts after the connection is lost. Default 500 ms … 30 s. */
  reconnect?: { baseMs: number; maxMs: number }
  /** Shown by the broker (management UI, rabbitmqctl list_connections). Default `txgate:<queue>`. */
  connectionName?: string
}

type Link = { conn: amqp.ChannelModel; ch: amqp.Channel; tag: string; alive: boolean }

export function rabbitAdapter(src: RabbitSource, log?: Logger): QueueAdapter {
  const prefetch = src.prefetch ?? 100
  const reconnect = src.reconnect ?? { baseMs: 500, maxMs: 30_000 }
  let link: Link | undefined
  let side: amqp.Channel | undefined
  let halted = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  async function open(f: QueueFlow): Promise<Link> {
    const conn = await amqp.connect(src.url, { clientProperties: { connection_name: src.connectionName ?? `txgate:${src.queue}` } })
    try {
      const ch = await conn.createChannel()
      if (src.declareExchange === false) await ch.checkExchange(src.exchange)
      else if (src.exchange !== '') await ch.assertExchange(src.exchange, src.exchangeType ?? 'topic', { durable: true })
      await ch.assertQueue(src.queue, { durable: true, ...(src.queueArguments ? { arguments: src.queueArguments } : {}) })
      for (const key of src.routingKeys) if (src.exchange !== '') await ch.bindQueue(src.queue, src.exchange, key)
      await ch.prefetch(prefetch)
      const l: Link = { conn, ch, tag: '', alive: true }
      const lost = (err?: unknown) => {
        if (!l.alive) return
        l.alive = false
        if (halted) return
        log?.warn('rabbitmq connection lost, reconnecting', { queue: src.queue, error: err ? String(err) : 'closed' })
        // Unacked messages go back to the queue with the connection; the flow's in-flight ones
        // finish (their acks are dropped) and the broker's redelivered copies are duplicates.
        void relink(f, 0)
      }
      conn.on('error', lost)
      conn.on('close', lost)
      ch.on('error', lost)
      ch.on('close', lost)
      const ok = await ch.consume(src.queue, (msg) => {
        if (!msg) return lost(new Error('the broker cancelled the consumer (queue deleted?)'))
        void f.deliver(toQueueMessage(src, msg), {
          // A message of a lost channel cannot be acked any more: the broker redelivers it.
          ack: () => {
            if (l.alive) l.ch.ack(msg)
          },
          retry: () => {
            if (l.alive) l.ch.nack(msg, false, true)
          },
        })
      }, { noAck: false })
      l.tag = ok.consumerTag
      return l
    } catch (err) {
      await conn.close().catch(() => undefined)
      throw err
    }
  }

  async function relink(f: QueueFlow, attempt: number): Promise<void> {
    const old = link
    link = undefined
    side = undefined
    // Not awaited: on a connection the broker already closed, close() never settles.
    void old?.conn.close().catch(() => undefined)
    // Old deliveries settle into the void; wait for them so a redelivered copy is not processed
    // beside its first copy (their claim would only make one of them wait as in flight).
    await f.idle()
    if (halted) return
    try {
      link = await open(f)
      log?.info('rabbitmq reconnected', { queue: src.queue })
    } catch (err) {
      const wait = Math.min(reconnect.maxMs, reconnect.baseMs * 2 ** Math.min(attempt, 20))
      log?.warn('rabbitmq reconnect failed', { queue: src.queue, error: String(err), retry_in_ms: wait })
      retryTimer = setTimeout(() => void relink(f, attempt + 1), wait)
    }
  }

  return {
    kind: 'rabbitmq',
    async start(f) {
      link = await open(f)
    },
    async halt() {
      halted = true
      if (retryTimer) clearTimeout(retryTimer)
      if (link?.alive) await link.ch.cancel(link.tag).catch(() => undefined)
    },
    async close() {
      const l = link
      link = undefined
      // A lost link is closed already (and close() on it would never settle).
      if (!l?.alive) return
      l.alive = false
      // Acks are written before Channel.Close: the broker sees them first.
      await l.ch.close().catch(() => undefined)
      await l.conn.close().catch(() => undefined)
    },
    async lag() {
      const l = link
      if (!l?.alive) return undefined
      // A side channel: a passive declare of a missing queue closes its channel, never the consuming one.
      if (!side) {
        const ch = await l.conn.createChannel()
        ch.on('error', () => undefined)
        ch.on('close', () => {
          if (side === ch) side = undefined
        })
        side = ch
      }
      return (await side.checkQueue(src.queue)).messageCount
    },
  }
}

/** The adapter and the shared flow, started: what `txgate consume` and the gateway run. */
export function startRabbitConsumer(
  src: RabbitSource,
  consumer: QueueConsumer,
  env: { metrics?: Metrics; log?: Logger } = {},
): Promise<RunningQueueSource> {
  return startQueueSource(rabbitAdapter(src, env.log), consumer, {
    maxInFlight: src.prefetch ?? 100,
    ...(src.maxBytes ? { maxBytes: src.maxBytes } : {}),
    ...(src.backoff ? { backoff: src.backoff } : {}),
    ...env,
  })
}

function toQueueMessage(src: RabbitSource, msg: amqp.ConsumeMessage): QueueMessage {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(msg.properties.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v)
  if (msg.properties.contentType) headers['content-type'] = String(msg.properties.contentType)
  return {
    body: new Uint8Array(msg.content.buffer, msg.content.byteOffset, msg.content.byteLength) as Uint8Array<ArrayBuffer>,
    headers,
    position: { exchange: msg.fields.exchange, routing_key: msg.fields.routingKey, queue: src.queue, delivery_tag: msg.fields.deliveryTag },
    redelivered: msg.fields.redelivered,
  }
}
