/**
 * One measurement of bench/queues.ts, in a process of its own (its RSS is its own): consumes
 * BENCH_N messages already waiting in a RabbitMQ queue or a NATS stream, either bare (ack at once,
 * no work: the broker's and client's ceiling) or through txgate's queue source (verify, dedupe,
 * normalize, fsync'd spool, then ack). Prints one JSON line: seconds from the first message to
 * the last settled one, messages/s, peak RSS.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import amqp from 'amqplib'
import { AckPolicy, connect } from 'nats'
import type { QueueConsumer } from '../../src/sources/queue/consume.ts'

const env = (k: string): string => {
  const v = process.env[k]
  if (!v) throw new Error(`${k} is not set`)
  return v
}
const N = Number(env('BENCH_N'))
const BROKER = env('BENCH_BROKER') as 'rabbitmq' | 'nats'
const MODE = env('BENCH_MODE') as 'bare' | 'txgate'
const PREFETCH = Number(env('BENCH_PREFETCH'))
const NAME = env('BENCH_QUEUE')

let peak = 0
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
let first = 0
let settled = 0
/** txgate's verdicts: anything but `published` means the bench did not measure what it says. */
const outcomes: Record<string, number> = {}
let finish: () => void = () => undefined
const allDone = new Promise<void>((r) => (finish = r))
/** Counts one settled message; the clock starts at the first. */
const tick = () => {
  if (first === 0) first = performance.now()
  if (++settled === N) finish()
}

if (MODE === 'bare') await (BROKER === 'rabbitmq' ? bareRabbit() : bareNats())
else await viaTxgate()
clearInterval(sample)
const seconds = (performance.now() - first) / 1000
console.log(JSON.stringify({ seconds, rate: N / seconds, peakRssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, outcomes }))
process.exit(0)

async function bareRabbit(): Promise<void> {
  const conn = await amqp.connect(env('BENCH_AMQP_URL'))
  const ch = await conn.createChannel()
  await ch.prefetch(PREFETCH)
  await ch.consume(NAME, (msg) => {
    if (!msg) return
    ch.ack(msg)
    tick()
  })
  await allDone
  await ch.close()
  await conn.close()
}

async function bareNats(): Promise<void> {
  const nc = await connect({ servers: env('BENCH_NATS') })
  const jsm = await nc.jetstreamManager()
  await jsm.consumers.add(NAME, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, max_ack_pending: PREFETCH })
  const messages = await (await nc.jetstream().consumers.get(NAME, 'bare')).consume({ max_messages: PREFETCH })
  void allDone.then(() => messages.stop())
  for await (const m of messages) {
    m.ack()
    tick()
  }
  await nc.drain()
}

async function viaTxgate(): Promise<void> {
  // Loaded here, so a bare run's RSS is the bare client's.
  const { createWebhookHandler } = await import('../../src/pipeline/webhook.ts')
  const { buildServerDeps } = await import('../../src/runtime/server/deps.ts')
  const { startNatsConsumer } = await import('../../src/runtime/server/sources/nats.ts')
  const { startRabbitConsumer } = await import('../../src/runtime/server/sources/rabbitmq.ts')
  const { createQueueConsumer } = await import('../../src/sources/queue/consume.ts')
  const dir = await mkdtemp(join(tmpdir(), 'txgate-bench-queues-'))
  const deps = await buildServerDeps(
    { ...process.env, TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_BATCH_DIR: join(dir, 'batch'), TXGATE_BATCH_WORKERS: '0', LOG_LEVEL: 'error' },
    () => undefined,
  )
  const core = createQueueConsumer(deps, createWebhookHandler(deps), { name: 'bench', provider: 'stripe', kind: BROKER })
  const counted: QueueConsumer = {
    ...core,
    async process(m) {
      const v = await core.process(m)
      const o = v.action === 'ack' ? v.outcome : 'retry'
      outcomes[o] = (outcomes[o] ?? 0) + 1
      if (o === 'published') tick()
      return v
    },
  }
  const consumer =
    BROKER === 'rabbitmq'
      ? await startRabbitConsumer({ url: env('BENCH_AMQP_URL'), exchange: NAME, queue: NAME, routingKeys: ['#'], prefetch: PREFETCH }, counted)
      : await startNatsConsumer({ servers: env('BENCH_NATS'), stream: NAME, durable: 'txgate', batch: PREFETCH }, counted)
  await allDone
  await consumer.stop()
  await deps.close()
  await rm(dir, { recursive: true, force: true })
}
