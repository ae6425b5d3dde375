/**
 * The Worker's queue buffer under `wrangler dev` (workerd, miniflare's local queues): signed Stripe
 * events to the Worker without its queue bindings (direct publish: the baseline), then with the
 * queue and the Kafka REST bridge (a local double) up, then with the bridge stopped; then the bridge
 * comes back and the backlog drains. Prints the webhook answer latency of each phase, when the
 * last event reached the bridge, and the p99 as a ratio to the direct baseline.
 *
 *   node --import tsx bench/edge-queue.ts [--requests 300] [--concurrency 8]
 *
 * Local queues are not Cloudflare's: read the ratios (what an outage costs the answer, how fast a
 * backlog drains against live traffic), not the absolute figures. The generator shares the cores.
 */
import { parseArgs } from 'node:util'
import { startKafkaRestDouble, type KafkaRestDouble } from '../test/helpers/kafka-rest-double.ts'
import { removeTempDirs, tempDir } from '../test/helpers/temp-dir.ts'
import { runtimeVersion, startRuntime, unavailable } from '../test/runtime/runtime-process.ts'
import { writeWranglerConfigWithoutQueues } from '../test/runtime/worker-bundle.ts'
import { drive, percentile, type DriveResult } from './lib/drive.ts'
import { benchSecrets, buildRequests } from './lib/requests.ts'

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' } },
})
const REQUESTS = Number(args.requests)
const CONCURRENCY = Number(args.concurrency)
const TOPICS = ['transactions.realtime', 'transactions.dlq']

const why = unavailable('wrangler')
if (why !== undefined) {
  console.log(`skipped: ${why}`)
  process.exit(0)
}

let bridge: KafkaRestDouble = await startKafkaRestDouble({ topics: TOPICS })
const port = Number(new URL(bridge.url).port)
const secrets = benchSecrets(process.env, true)
const settings = {
  ...secrets,
  LOG_LEVEL: 'error',
  TXGATE_RATE_LIMIT_STRIPE: '1000000/s',
  KAFKA_REST_URL: bridge.url,
  KAFKA_REST_CLUSTER_ID: bridge.clusterId,
  TXGATE_QUEUE_RETRY_BASE_S: '1',
  TXGATE_QUEUE_RETRY_MAX_S: '2',
}

type Row = { phase: string; run: DriveResult; deliveredMs: number; produceCalls: number }
const rows: Row[] = []
const dir = await tempDir('edge-queue-bench')
try {
  // Baseline: the same Worker without its queue bindings, publishing to the bridge directly.
  let gateway = await startRuntime('wrangler', settings, { timeoutMs: 120_000, wranglerConfig: await writeWranglerConfigWithoutQueues(dir) })
  try {
    await load(gateway.url, 'warm-direct')
    rows.push(await delivered('direct (no queue), bridge up', () => load(gateway.url, 'direct')))
  } finally {
    await gateway.stop()
  }

  gateway = await startRuntime('wrangler', settings, { timeoutMs: 120_000 })
  try {
    await load(gateway.url, 'warm-queue')
    await until(() => bridge.records().length >= 3 * REQUESTS)
    rows.push(await delivered('queue, bridge up', () => load(gateway.url, 'up')))

    await bridge.close()
    const down = await load(gateway.url, 'down')
    bridge = await startKafkaRestDouble({ topics: TOPICS, port })
    const restarted = performance.now()
    await until(() => bridge.records().length >= REQUESTS)
    rows.push({ phase: 'queue, bridge down (drained after its restart)', run: down, deliveredMs: performance.now() - restarted, produceCalls: bridge.requests.length })
  } finally {
    await gateway.stop()
  }
} finally {
  await bridge.close()
  await removeTempDirs()
}
print(rows)

// --- Internal helpers ---

async function load(url: string, seed: string): Promise<DriveResult> {
  const requests = await buildRequests(REQUESTS, { providers: ['stripe'], dup: 0, bad: 0 }, secrets, seed)
  return drive({ url, requests, concurrency: CONCURRENCY, durationMs: 300_000 })
}

/** Runs one load with the bridge up and waits until the bridge holds all of it: ms after the last answer. */
async function delivered(phase: string, run: () => Promise<DriveResult>): Promise<Row> {
  const had = bridge.records().length
  const calls = bridge.requests.length
  const result = await run()
  const answered = performance.now()
  await until(() => bridge.records().length >= had + REQUESTS)
  return { phase, run: result, deliveredMs: performance.now() - answered, produceCalls: bridge.requests.length - calls }
}

async function until(done: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the bridge did not get every event in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function print(list: readonly Row[]): void {
  const base = list[0]
  const ratio = (v: number, b: number | undefined) => (b ? `${(v / b).toFixed(2)}x` : '-')
  console.log(`\n${runtimeVersion('wrangler')}, ${REQUESTS} signed Stripe events per phase, concurrency ${CONCURRENCY}, loopback`)
  console.log('| phase | 200s | req/s | p50 ms | p99 ms | p99 vs direct | last event at the bridge, ms after the last answer / the restart | produce calls |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of list) {
    const ok = r.run.statuses.get(200) ?? 0
    const p99 = percentile(r.run.latencies, 0.99)
    const cells = [
      r.phase,
      `${ok}/${r.run.sent}`,
      (r.run.sent / (r.run.elapsedMs / 1000)).toFixed(0),
      percentile(r.run.latencies, 0.5).toFixed(1),
      p99.toFixed(1),
      ratio(p99, base ? percentile(base.run.latencies, 0.99) : undefined),
      r.deliveredMs.toFixed(0),
      r.produceCalls,
    ]
    console.log(`| ${cells.join(' | ')} |`)
  }
}
