/** @module RabbitMQ (AMQP 0-9-1) adapter: a queue bound to an exchange, prefetch, manual ack after the output is durable. */
import amqp from 'amqplib'
import type { QueueConsumer, QueueMessage } from '../../../sources/queue/consume.ts'

export type RabbitSource = {
  url: string
  exchange: string
  exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers'
  queue: string
  routingKeys: readonly string[]
  /** Unacked messages in flight at most (a limit, not a hint). */
  prefetch?: number
  backoff?: { baseMs: number; maxMs: number }
}

export type RabbitConsumer = {
  /** Resolves once every in-flight message is acked or nacked and the connection is closed. */
  stop(): Promise<void>
  /** Messages in the queue (ready, not delivered), from a passive checkQueue. */
  depth(): Promise<number>
}

export async function startRabbitConsumer(src: RabbitSource, consumer: QueueConsumer): Promise<RabbitConsumer> {
  const conn = await amqp.connect(src.url)
  const ch = await conn.createChannel()
  await ch.assertExchange(src.exchange, src.exchangeType ?? 'topic', { durable: true })
  await ch.assertQueue(src.queue, { durable: true })
  for (const key of src.routingKeys) await ch.bindQueue(src.queue, src.exchange, key)
  await ch.prefetch(src.prefetch ?? 100)
  const backoff = src.backoff ?? { baseMs: 200, maxMs: 30_000 }
  const inFlight = new Set<Promise<void>>()
  let failures = 0
  let pausedUntil = 0
  let tag: string | null = null
  let stopping = false

  async function handle(msg: amqp.ConsumeMessage): Promise<void> {
    // Output down: hold the message until the pause is over, so a down output never spins.
    const wait = pausedUntil - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(msg.properties.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v)
    if (msg.properties.contentType) headers['content-type'] = String(msg.properties.contentType)
    const m: QueueMessage = {
      body: new Uint8Array(msg.content),
      headers,
      position: { exchange: msg.fields.exchange, routing_key: msg.fields.routingKey, delivery_tag: msg.fields.deliveryTag },
      redelivered: msg.fields.redelivered,
    }
    const v = await consumer.process(m)
    if (v.action === 'ack') {
      failures = 0
      ch.ack(msg)
      return
    }
    failures++
    pausedUntil = Date.now() + Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1))
    ch.nack(msg, false, true)
  }

  const ok = await ch.consume(src.queue, (msg) => {
    if (!msg) return
    const p = handle(msg).catch(() => ch.nack(msg, false, true))
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }, { noAck: false })
  tag = ok.consumerTag

  return {
    async stop() {
      if (stopping) return
      stopping = true
      if (tag) await ch.cancel(tag)
      await Promise.allSettled([...inFlight])
      await ch.close()
      await conn.close()
    },
    async depth() {
      const q = await ch.checkQueue(src.queue)
      return q.messageCount
    },
  }
}
