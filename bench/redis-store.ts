/**
 * Added latency per webhook of the Redis path against the in-process store, measured in one
 * invocation: the full in-process path (`app.request` with a signed Stripe event, verify, limit,
 * claim, normalize, commit) with a publisher that only discards, so the store's cost stands out.
 *
 *   npm run bench:redis -- [--n 1000] [--concurrency 32] [--rounds 3] [--redis redis://host:6379]
 *
 * Modes: memory (baseline); Redis over TCP and Upstash over REST, each with the limit and the
 * claim in one script (what the gateway does) and as two round trips (what it would do
 * otherwise). The REST endpoint is the loopback test helper in this same process, so it shows the
 * protocol's cost, not an edge network's: on a real network each saved round trip saves one RTT.
 * Sequential requests give p50/p95/p99; `--concurrency` requests in flight give req/s.
 */
import { Redis } from 'ioredis'
import Stripe from 'stripe'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { providers } from '../providers/index.ts'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import type { Deps } from '../src/deps.ts'
import { createLogger } from '../src/observability/log.ts'
import { createRegistry } from '../src/provider/registry.ts'
import { openRedisStore } from '../src/runtime/server/redis-store.ts'
import { createMemoryLimiter, createMemoryStore } from '../src/store/memory.ts'
import type { Limiter, Store } from '../src/store/types.ts'
import { createUpstashStore } from '../src/store/upstash.ts'
import { deleteKeys, startRedisServer } from '../test/helpers/redis-server.ts'
import { startUpstashRestServer } from '../test/helpers/upstash-rest-server.ts'
import { discardPublisher, medianRound, printLatencyTable } from './lib/report.ts'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    /** An existing Redis; default: a private redis-server on loopback, so its counters are ours. */
    redis: { type: 'string' },
  },
})
const N = Number(args.n)
const CONCURRENCY = Number(args.concurrency)
const ROUNDS = Number(args.rounds)
const WARMUP = Math.min(500, N)
const SECRET = 'whsec_bench'
const prefix = `txgate-bench:${process.pid}:${Date.now()}:`
const fixture = await readFile(
  new URL('../../shared/fixtures/provider-events/stripe.json', import.meta.url),
  'utf8',
)


function gateway(store: Store, limiter: Limiter) {
  // A limit far above the bench's rate: the bucket is still taken on every request.
  const settings = {
    STRIPE_WEBHOOK_SECRET: SECRET,
    TXGATE_RATE_LIMIT_STRIPE: '10000000/s',
    LOG_LEVEL: 'error' as const,
  }
  const deps: Deps = {
    config: loadConfig(settings),
    settings,
    registry: createRegistry(providers),
    store,
    limiter,
    publisher: discardPublisher,
    clock: Date.now,
    fetch: globalThis.fetch,
    log: createLogger('error', () => {}, Date.now),
  }
  return createApp(deps)
}

// Distinct events, signed before timing starts: every request claims a new key.
let seq = 0
function signedRequests(count: number): { body: string; signature: string }[] {
  const out = []
  for (let i = 0; i < count; i++) {
    const body = fixture.replace(
      'evt_1MoS6tLgUG5tbmjchDsX6fiT',
      `evt_bench_${process.pid}_${seq++}`,
    )
    out.push({
      body,
      signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }),
    })
  }
  return out
}

// Answers that failed open (the store missed its timeout): counted, since they skipped the store.
let degraded = 0

async function send(
  app: ReturnType<typeof createApp>,
  r: { body: string; signature: string },
): Promise<void> {
  const res = await app.request('http://bench/webhooks/v1/stripe/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': r.signature },
    body: r.body,
  })
  if (res.status !== 200) throw new Error(`unexpected answer ${res.status}: ${await res.text()}`)
  if (res.headers.get('txgate-degraded')) degraded += 1
  await res.arrayBuffer()
}

type Row = {
  mode: string
  p50: number
  p95: number
  p99: number
  rps: number
  rssMb: number
  degraded: number
  scripts?: number
  http?: number
}

async function measure(mode: string, app: ReturnType<typeof createApp>): Promise<Row> {
  for (const r of signedRequests(WARMUP)) await send(app, r)
  degraded = 0
  const latencies: number[] = []
  for (const r of signedRequests(N)) {
    const t = performance.now()
    await send(app, r)
    latencies.push(performance.now() - t)
  }
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0

  const queue = signedRequests(N)
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let r = queue.pop(); r; r = queue.pop()) await send(app, r)
    }),
  )
  const rps = N / ((performance.now() - started) / 1000)
  return {
    mode,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    rps,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    degraded,
  }
}

type Mode = { name: string; app: ReturnType<typeof createApp> }

const own = args.redis ? undefined : await startRedisServer()
const redisUrl = args.redis ?? own?.url ?? ''
const admin = new Redis(redisUrl)
/** Scripts Redis has run so far (EVALSHA + EVAL in INFO commandstats): the trips before publishing. */
async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats')
  let calls = 0
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2])
  return calls
}
const httpCalls = () => Object.values(rest.requests).reduce((a, b) => a + b, 0)

const redis = await openRedisStore({ url: redisUrl, prefix })
if (!(await redis.connected(2000))) throw new Error(`no Redis at ${redisUrl}`)
const rest = await startUpstashRestServer({ redisUrl })
const upstash = createUpstashStore({ url: rest.url, token: rest.token, prefix })
// A limiter that is not the store object: the pipeline takes the token, then claims (2 round trips).
const apart = (store: Store): Limiter => ({
  kind: store.kind,
  take: (k, rule, now) => (store as Store & Limiter).take(k, rule, now),
})

const modes: Mode[] = [
  { name: 'memory (baseline)', app: gateway(createMemoryStore(Date.now), createMemoryLimiter()) },
  { name: 'redis TCP, limit+claim in 1 script', app: gateway(redis, redis) },
  { name: 'redis TCP, limit then claim', app: gateway(redis, apart(redis)) },
  { name: 'upstash REST, limit+claim in 1 call', app: gateway(upstash, upstash) },
  { name: 'upstash REST, limit then claim', app: gateway(upstash, apart(upstash)) },
]

// Rounds in alternating order, the median round per mode: other load on the machine moves all
// modes alike instead of whichever ran at the wrong moment.
const results = new Map<string, Row[]>()
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? modes : [...modes].reverse()
  for (const m of order) {
    const [scripts, http] = [await scriptCalls(), httpCalls()]
    const row = await measure(m.name, m.app)
    row.scripts = ((await scriptCalls()) - scripts) / (WARMUP + 2 * N)
    row.http = (httpCalls() - http) / (WARMUP + 2 * N)
    results.set(m.name, [...(results.get(m.name) ?? []), row])
  }
}

await rest.close()
await redis.close()
if (args.redis) await deleteKeys(prefix, redisUrl)
admin.disconnect()
await own?.stop()

const rows = modes.map((m) => medianRound(results.get(m.name) ?? []) as Row)
console.log(
  `\ntxgate bench:redis — ${ROUNDS} rounds (median shown), n=${N} sequential for latency, ` +
    `${CONCURRENCY} in flight for req/s, node ${process.version}, Redis ${own ? 'private on loopback' : redisUrl}\n`,
)
printLatencyTable(rows, { header: 'mode', width: 38, of: (r) => r.mode }, [
  { header: 'scripts/req', cell: (r) => (r.scripts ?? 0).toFixed(2) },
  { header: 'HTTP/req', cell: (r) => (r.http ?? 0).toFixed(2) },
  { header: 'failed open', cell: (r) => String(r.degraded) },
])
console.log(
  '\nratio: req/s against memory. scripts/req: Redis round trips per webhook before publishing\n' +
    '(each mode adds one SET after publishing, to commit the answer). HTTP/req: REST calls per webhook,\n' +
    'commit included. failed open: answers that went on without the store (its timeout was missed).',
)
