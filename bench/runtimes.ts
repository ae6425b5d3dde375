/**
 * The same load against each runtime started as a process on this machine: signed Stripe events
 * (each a new event, so every request takes the full path: verify, limit, claim, normalize,
 * durable publish), a fixed concurrency, bounded by count and by time, loopback only. Prints
 * req/s, p50/p99 and peak RSS per runtime, and each as a ratio to Node measured in this run.
 *
 *   npm run bench:runtimes -- [--runtimes node,bun,deno,workerd] [--requests 4000]
 *                             [--seconds 20] [--concurrency 32] [--warmup 300]
 *
 * Server runtimes publish to the fsync'd spool; the Worker (workerd serving the deploy bundle)
 * publishes to a Kafka REST double in this process, so its sink differs: read it as "the edge
 * path", not as a like-for-like runtime comparison. The load generator shares the 2 cores.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startKafkaRestDouble, type KafkaRestDouble } from '../test/helpers/kafka-rest-double.ts'
import { runtimeVersion, startRuntime, unavailable, type RuntimeName } from '../test/runtime/runtime-process.ts'
import { PROVIDER_SETTINGS, stripeEvent, type SignedEvent } from '../test/runtime/signers.ts'

const { values: args } = parseArgs({
  options: {
    runtimes: { type: 'string', default: 'node,bun,deno,workerd' },
    requests: { type: 'string', default: '4000' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '300' },
  },
})
const REQUESTS = Number(args.requests)
const SECONDS = Number(args.seconds)
const CONCURRENCY = Number(args.concurrency)
const WARMUP = Number(args.warmup)

type Result = { runtime: string; version: string; done: number; rps: number; p50: number; p99: number; rssMiB: number; errors: number }

const results: Result[] = []
for (const runtime of args.runtimes.split(',') as RuntimeName[]) {
  const why = unavailable(runtime)
  if (why !== undefined) {
    console.log(`skipped ${runtime}: ${why}`)
    continue
  }
  results.push(await measure(runtime))
}
print(results)

// --- Internal helpers ---

async function measure(runtime: RuntimeName): Promise<Result> {
  let bridge: KafkaRestDouble | undefined
  const settings: Record<string, string> = { ...PROVIDER_SETTINGS, LOG_LEVEL: 'error', TXGATE_RATE_LIMIT_STRIPE: '1000000/s' }
  if (runtime === 'workerd') {
    bridge = await startKafkaRestDouble({ topics: ['transactions.realtime', 'transactions.dlq'] })
    Object.assign(settings, { KAFKA_REST_URL: bridge.url, KAFKA_REST_CLUSTER_ID: bridge.clusterId })
  }
  const gateway = await startRuntime(runtime, settings)
  try {
    // Signed ahead, so the clock on the load is the gateway's work, not the client's HMACs.
    await drive(gateway.url, Array.from({ length: WARMUP }, () => stripeEvent()), Infinity)
    const events = Array.from({ length: REQUESTS }, () => stripeEvent())
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, groupRss(gateway.pgid))), 100)
    const run = await drive(gateway.url, events, SECONDS * 1000)
    clearInterval(sampler)
    peak = Math.max(peak, groupRss(gateway.pgid))
    const sorted = run.latencies.sort((a, b) => a - b)
    return {
      runtime,
      version: runtimeVersion(runtime),
      done: sorted.length,
      rps: sorted.length / (run.elapsedMs / 1000),
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      rssMiB: peak / 1024,
      errors: run.errors,
    }
  } finally {
    await gateway.stop()
    await bridge?.close()
  }
}

/** Sends `events` with CONCURRENCY requests in flight until all are sent or `budgetMs` is spent. */
async function drive(url: string, events: SignedEvent[], budgetMs: number) {
  const latencies: number[] = []
  let next = 0
  let errors = 0
  const started = performance.now()
  const worker = async () => {
    while (next < events.length && performance.now() - started < budgetMs) {
      const e = events[next++] as SignedEvent
      const t0 = performance.now()
      const res = await fetch(`${url}/webhooks/v1/stripe/events`, { method: 'POST', headers: e.headers, body: e.body })
      if (res.status === 200) await res.arrayBuffer()
      if (res.status === 200) latencies.push(performance.now() - t0)
      else if (errors++ === 0) console.log(`first non-200: ${res.status} ${await res.text().catch(() => '')}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { latencies, errors, elapsedMs: performance.now() - started }
}

/** Resident memory (KiB) of every process in the group: wrangler-free here, but workerd, deno... */
function groupRss(pgid: number): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue // field 5 of stat: the process group
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      total += Number(rss?.[1] ?? 0)
    } catch {
      // the process ended while we looked
    }
  }
  return total
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

function print(rows: Result[]): void {
  const base = rows.find((r) => r.runtime === 'node')
  const ratio = (v: number, b: number | undefined) => (b ? `${(v / b).toFixed(2)}x` : '-')
  console.log(`\nconcurrency ${CONCURRENCY}, up to ${REQUESTS} requests or ${SECONDS} s per runtime, loopback`)
  console.log('| runtime | version | requests | req/s | vs node | p50 ms | p99 ms | vs node p99 | peak RSS MiB | non-200 |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const cells = [r.runtime, r.version, r.done, r.rps.toFixed(0), ratio(r.rps, base?.rps), r.p50.toFixed(1), r.p99.toFixed(1), ratio(r.p99, base?.p99), r.rssMiB.toFixed(0), r.errors]
    console.log(`| ${cells.join(' | ')} |`)
  }
}
