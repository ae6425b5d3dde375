/**
 * Queue source throughput: N signed Stripe events wait in a RabbitMQ queue (or a NATS JetStream
 * stream); txgate's queue source consumes them through the full path (signature check, dedupe,
 * normalize, fsync'd spool, ack after it) at prefetch 10 / 100 / 1 000, against a bare client that
 * acks each message without work at the same prefetch, in the same run. Each measurement runs in a
 * child process of its own (bench/lib/queue-run.ts) on a freshly filled queue, so its peak RSS is
 * its own; rounds alternate the order, the median messages/s is shown.
 *
 *   npm run bench:queues -- [--n 10000] [--rounds 3] [--prefetch 10,100,1000] [--no-nats] [--redis]
 *
 * Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and, for the NATS rows, nats-server -js on 4222.
 * --redis: dedupe in the Redis at REDIS_URL (default redis://127.0.0.1:6379) instead of in-process.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import amqp from 'amqplib'
import { connect, headers as natsHeaders } from 'nats'
import Stripe from 'stripe'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    prefetch: { type: 'string', default: '10,100,1000' },
    'no-nats': { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
    nats: { type: 'string', default: '127.0.0.1:4222' },
  },
})
const N = Number(args.n)
const ROUNDS = Number(args.rounds)
const PREFETCHES = args.prefetch.split(',').map(Number)
const SECRET = 'whsec_bench'
const brokers: Broker[] = args['no-nats'] ? ['rabbitmq'] : ['rabbitmq', 'nats']
const fixture = JSON.parse(await readFile(new URL('../../shared/fixtures/provider-events/stripe.json', import.meta.url), 'utf8')) as {
  id: string
  data: { object: { id: string } }
}

type Broker = 'rabbitmq' | 'nats'
type Mode = 'bare' | 'txgate'
type Run = { seconds: number; rate: number; peakRssMb: number; outcomes?: Record<string, number> }

const results = new Map<string, Run[]>()
const key = (b: Broker, p: number, m: Mode) => `${b}/${p}/${m}`
let seq = 0
for (let round = 0; round < ROUNDS; round++) {
  for (const broker of brokers) {
    for (const prefetch of PREFETCHES) {
      const modes: Mode[] = round % 2 === 0 ? ['bare', 'txgate'] : ['txgate', 'bare']
      for (const mode of modes) {
        const name = `txgate_bench_${process.pid}_${seq++}`
        const drop = broker === 'rabbitmq' ? await fillRabbit(name) : await fillNats(name)
        try {
          const run = await runChild({ BENCH_BROKER: broker, BENCH_MODE: mode, BENCH_PREFETCH: String(prefetch), BENCH_QUEUE: name })
          results.set(key(broker, prefetch, mode), [...(results.get(key(broker, prefetch, mode)) ?? []), run])
          process.stderr.write(`round ${round + 1} ${broker} prefetch ${prefetch} ${mode}: ${Math.round(run.rate)} msg/s\n`)
        } finally {
          await drop()
        }
      }
    }
  }
}

const median = (runs: readonly Run[]): Run => [...runs].sort((a, b) => a.rate - b.rate)[Math.floor(runs.length / 2)]!
console.log(
  `\ntxgate bench:queues — ${N} signed Stripe events per run, ${ROUNDS} rounds (median msg/s, peak RSS of that run), ` +
    `store ${args.redis ? 'Redis' : 'in-process'}, spool fsync'd, node ${process.version}, one child process per run\n`,
)
const head = ['broker  ', 'prefetch', 'bare msg/s', 'txgate msg/s', 'ratio', 'bare RSS MB', 'txgate RSS MB', 'not published']
console.log(head.join('  '))
for (const broker of brokers) {
  for (const prefetch of PREFETCHES) {
    const bare = median(results.get(key(broker, prefetch, 'bare')) ?? [])
    const tx = median(results.get(key(broker, prefetch, 'txgate')) ?? [])
    // Any verdict but `published` (a DLQ, a retry) means the run measured something else.
    const other = (results.get(key(broker, prefetch, 'txgate')) ?? [])
      .flatMap((r) => Object.entries(r.outcomes ?? {}))
      .filter(([o]) => o !== 'published')
      .reduce((a, [, c]) => a + c, 0)
    console.log(
      [
        broker.padEnd(8),
        String(prefetch).padStart(8),
        Math.round(bare.rate).toString().padStart(10),
        Math.round(tx.rate).toString().padStart(12),
        (tx.rate / bare.rate).toFixed(2).padStart(5),
        Math.round(bare.peakRssMb).toString().padStart(11),
        Math.round(tx.peakRssMb).toString().padStart(13),
        String(other).padStart(13),
      ].join('  '),
    )
  }
}

// --- Internal helpers ---

/** Distinct events (event id and PaymentIntent id), signed now: a run must start within Stripe's ±300 s. */
function events(): { body: Buffer; signature: string }[] {
  return Array.from({ length: N }, (_, i) => {
    const body = JSON.stringify({ ...fixture, id: `evt_qbench_${seq}_${i}`, data: { ...fixture.data, object: { ...fixture.data.object, id: `pi_qbench_${seq}_${i}` } } })
    return { body: Buffer.from(body), signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) }
  })
}

/** A durable exchange and queue named `name`, with N persistent, confirmed messages in it; returns what deletes them. */
async function fillRabbit(name: string): Promise<() => Promise<void>> {
  const conn = await amqp.connect(args['amqp-url'])
  const ch = await conn.createConfirmChannel()
  await ch.assertExchange(name, 'topic', { durable: true })
  await ch.assertQueue(name, { durable: true })
  await ch.bindQueue(name, name, '#')
  let i = 0
  for (const e of events()) {
    ch.publish(name, 'payments.stripe', e.body, { persistent: true, contentType: 'application/json', headers: { 'stripe-signature': e.signature } })
    if (++i % 1000 === 0) await ch.waitForConfirms()
  }
  await ch.waitForConfirms()
  return async () => {
    await ch.deleteQueue(name)
    await ch.deleteExchange(name)
    await conn.close()
  }
}

/** A stream `name` (subjects `name.>`) with N messages stored; returns what deletes it. */
async function fillNats(name: string): Promise<() => Promise<void>> {
  const nc = await connect({ servers: args.nats })
  const jsm = await nc.jetstreamManager()
  await jsm.streams.add({ name, subjects: [`${name}.>`] })
  const js = nc.jetstream()
  const all = events()
  for (let i = 0; i < all.length; i += 500) {
    await Promise.all(
      all.slice(i, i + 500).map((e) => {
        const h = natsHeaders()
        h.set('stripe-signature', e.signature)
        h.set('content-type', 'application/json')
        return js.publish(`${name}.payments.stripe`, e.body, { headers: h })
      }),
    )
  }
  return async () => {
    await jsm.streams.delete(name)
    await nc.close()
  }
}

function runChild(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, BENCH_N: String(N), BENCH_AMQP_URL: args['amqp-url'], BENCH_NATS: args.nats, STRIPE_WEBHOOK_SECRET: SECRET }
    if (args.redis) childEnv['REDIS_URL'] ??= 'redis://127.0.0.1:6379'
    else delete childEnv['REDIS_URL']
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/queue-run.ts'], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Run)
      else reject(new Error(`bench run failed (${code}): ${out}`))
    })
  })
}
