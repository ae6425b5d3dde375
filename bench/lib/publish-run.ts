/**
 * One measurement of bench/publish.ts, in a process of its own: builds the app with the publisher
 * the server entry would build from the environment (or one that discards), drives signed Stripe
 * events through `app.request`, and prints one JSON line: p50/p95/p99, req/s, RSS.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Stripe from 'stripe'
import { readFile } from 'node:fs/promises'
import { providers } from '../../providers/index.ts'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Deps } from '../../src/deps.ts'
import { createLogger } from '../../src/observability/log.ts'
import { createRegistry } from '../../src/provider/registry.ts'
import type { Publisher } from '../../src/publish/types.ts'
import { openServerPublisher } from '../../src/runtime/server/publisher.ts'
import { openSpool } from '../../src/runtime/server/spool.ts'
import { createMemoryLimiter, createMemoryStore } from '../../src/store/memory.ts'
import { discardPublisher } from './report.ts'

const N = Number(process.env['BENCH_N'] ?? 2000)
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64)
const WARMUP = Math.min(500, N)
const SECRET = 'whsec_bench'
const fixture = JSON.parse(
  await readFile(
    new URL('../../../shared/fixtures/provider-events/stripe.json', import.meta.url),
    'utf8',
  ),
) as { id: string; data: { object: { id: string } } }

const settings = {
  ...process.env,
  STRIPE_WEBHOOK_SECRET: SECRET,
  TXGATE_RATE_LIMIT_STRIPE: '10000000/s',
  LOG_LEVEL: 'error' as const,
}
const config = loadConfig(settings)
const log = createLogger('error', (l) => process.stderr.write(l + '\n'), Date.now)
const dir = await mkdtemp(join(tmpdir(), 'txgate-bench-publish-'))
const publisher: Publisher =
  process.env['BENCH_PUBLISHER'] === 'discard'
    ? discardPublisher
    : await openServerPublisher(
        config,
        settings,
        await openSpool({ dir, maxBytes: 1 << 30 }),
        log,
        Date.now,
      )

const deps: Deps = {
  config,
  settings,
  registry: createRegistry(providers),
  store: createMemoryStore(Date.now),
  limiter: createMemoryLimiter(),
  publisher,
  clock: Date.now,
  fetch: globalThis.fetch,
  log,
}
const app = createApp(deps)

// Distinct events (event id and PaymentIntent id), signed before timing starts.
let seq = 0
function signed(count: number): { body: string; signature: string }[] {
  return Array.from({ length: count }, () => {
    const n = seq++
    const body = JSON.stringify({
      ...fixture,
      id: `evt_bench_${n}`,
      data: { ...fixture.data, object: { ...fixture.data.object, id: `pi_bench_${n}` } },
    })
    return {
      body,
      signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }),
    }
  })
}

let failed = 0
async function send(r: { body: string; signature: string }): Promise<void> {
  const res = await app.request('http://bench/webhooks/v1/stripe/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': r.signature },
    body: r.body,
  })
  if (res.status !== 200) failed += 1
  await res.arrayBuffer()
}

for (const r of signed(WARMUP)) await send(r)
const latencies: number[] = []
for (const r of signed(N)) {
  const t = performance.now()
  await send(r)
  latencies.push(performance.now() - t)
}
latencies.sort((a, b) => a - b)
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0

const queue = signed(N)
const started = performance.now()
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let r = queue.pop(); r; r = queue.pop()) await send(r)
  }),
)
const rps = N / ((performance.now() - started) / 1000)
const rssMb = process.memoryUsage().rss / 2 ** 20
await publisher.close()
await rm(dir, { recursive: true, force: true })
console.log(JSON.stringify({ p50: pct(50), p95: pct(95), p99: pct(99), rps, rssMb, failed }))
