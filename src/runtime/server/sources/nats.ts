/** @module NATS JetStream adapter: a durable pull consumer, explicit ack after the output is durable, nak with delay while it is down. */
import { AckPolicy, connect, nanos, type ConnectionOptions, type ConsumerConfig, type JetStreamManager, type JsMsg } from 'nats'
import type { QueueConsumer, QueueMessage } from '../../../sources/queue/consume.ts'

export type NatsSource = {
  servers: string | readonly string[]
  stream: string
  /** The durable consumer txgate creates (or updates) on the stream and pulls from. */
  durable: string
  /** Only these subjects of the stream (default: all of them). */
  filterSubject?: string
  /** Unacked messages in flight at most: the consumer's max_ack_pending and the local limit. */
  batch?: number
  /** The broker redelivers a message not acked within this time. */
  ackWaitMs?: number
  /** After this many deliveries the broker stops redelivering (default: unlimited). */
  maxDeliver?: number
  auth?: { user?: string; pass?: string; token?: string }
  backoff?: { baseMs: number; maxMs: number }
}

export type NatsConsumer = {
  /** Resolves once the in-flight messages are acked or nak'ed, the rest handed back, and the connection closed. */
  stop(): Promise<void>
  /** Messages in the stream not yet delivered to the durable consumer (its num_pending). */
  depth(): Promise<number>
}

export async function startNatsConsumer(src: NatsSource, consumer: QueueConsumer): Promise<NatsConsumer> {
  const batch = src.batch ?? 100
  const ackWaitMs = src.ackWaitMs ?? 30_000
  const backoff = src.backoff ?? { baseMs: 200, maxMs: 30_000 }
  const opts: ConnectionOptions = { servers: typeof src.servers === 'string' ? src.servers : [...src.servers], name: `txgate:${src.durable}`, ...src.auth }
  const nc = await connect(opts)
  try {
    await ensureDurable(await nc.jetstreamManager(), src, batch, ackWaitMs)
  } catch (err) {
    await nc.close()
    throw err
  }
  const js = nc.jetstream()
  const pull = await js.consumers.get(src.stream, src.durable)
  const messages = await pull.consume({ max_messages: batch })
  const inFlight = new Set<Promise<void>>()
  const stopped = new AbortController()
  let failures = 0
  let pausedUntil = 0

  async function handle(msg: JsMsg): Promise<void> {
    // Output down: hold the message until the pause is over (telling the broker it is still being
    // worked on), so a down output never spins through the stream.
    while (pausedUntil > Date.now() && !stopped.signal.aborted) {
      msg.working()
      await sleep(Math.min(pausedUntil - Date.now(), ackWaitMs / 2), stopped.signal)
    }
    if (stopped.signal.aborted) return msg.nak()
    let v: Awaited<ReturnType<QueueConsumer['process']>>
    try {
      v = await consumer.process(toQueueMessage(msg))
    } catch (err) {
      v = { action: 'retry', reason: err instanceof Error ? err.message : String(err) }
    }
    if (v.action === 'ack') {
      failures = 0
      return msg.ack()
    }
    failures++
    const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1))
    pausedUntil = Math.max(pausedUntil, Date.now() + delay)
    msg.nak(delay)
  }

  const loop = (async () => {
    for await (const msg of messages) {
      // Fetched but not started when stop() came: handed back for another instance at once.
      if (stopped.signal.aborted) {
        msg.nak()
        continue
      }
      while (inFlight.size >= batch) await Promise.race(inFlight)
      const p = handle(msg)
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
    }
  })()

  let stopping: Promise<void> | undefined
  return {
    stop() {
      stopping ??= (async () => {
        stopped.abort()
        messages.stop()
        await loop.catch(() => undefined)
        await Promise.allSettled([...inFlight])
        // Acks are fire-and-forget publishes: flush them before the connection goes.
        await nc.drain()
      })()
      return stopping
    },
    async depth() {
      const jsm = await nc.jetstreamManager()
      return (await jsm.consumers.info(src.stream, src.durable)).num_pending
    },
  }
}

/** Creates the durable consumer, or brings an existing one to these limits (so batch is a limit, not a hint). */
async function ensureDurable(jsm: JetStreamManager, src: NatsSource, batch: number, ackWaitMs: number): Promise<void> {
  const limits = { ack_wait: nanos(ackWaitMs), max_ack_pending: batch, max_deliver: src.maxDeliver ?? -1 }
  const existing = await jsm.consumers.info(src.stream, src.durable).catch((err: unknown) => {
    if (isNotFound(err)) return null
    throw err
  })
  if (existing) {
    await jsm.consumers.update(src.stream, src.durable, limits)
    return
  }
  const cfg: Partial<ConsumerConfig> = { durable_name: src.durable, ack_policy: AckPolicy.Explicit, ...limits }
  if (src.filterSubject) cfg.filter_subject = src.filterSubject
  await jsm.consumers.add(src.stream, cfg)
}

function toQueueMessage(msg: JsMsg): QueueMessage {
  const headers: Record<string, string> = {}
  if (msg.headers) for (const [k, v] of msg.headers) if (v.length > 0) headers[k.toLowerCase()] = v.join(', ')
  const info = msg.info
  return {
    body: new Uint8Array(msg.data),
    headers,
    position: { stream: info.stream, subject: msg.subject, stream_seq: info.streamSequence, deliveries: info.redeliveryCount },
    redelivered: msg.redelivered,
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; code?: string | number }
  // 10014: consumer not found (JetStream API error code).
  return e.api_error?.err_code === 10014 || String(e.code) === '404'
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, Math.max(0, ms))
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
