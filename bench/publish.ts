/**
 * Produce throughput and added latency per webhook through each publisher, against a publisher
 * that only discards, measured in one invocation: the full in-process path (`app.request` with a
 * signed Stripe event: verify, limit, claim, normalize, publish, commit) with the publisher the
 * server entry builds from its settings.
 *
 *   npm run bench:publish -- [--n 2000] [--concurrency 64] [--rounds 3]
 *
 * Publishers: discard (baseline); the spool alone (fsync'd group commit, the embedded default);
 * Kafka REST v3 and v2 through the durable publisher (breaker, time bound, spool behind it) to the
 * bridge double; kafkajs when KAFKA_BROKERS names a broker (topics must exist). Each measurement
 * runs in a child process of its own (its RSS is its own); the REST double runs in this process,
 * as a bridge would run apart from the gateway. Rounds alternate the order; the median is shown.
 * Sequential requests give p50/p95/p99; `--concurrency` requests in flight give req/s, and the
 * bridge's request count shows how many records shared one produce call.
 */
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { startKafkaRestDouble } from '../test/helpers/kafka-rest-double.ts'
import { medianRound, printLatencyTable } from './lib/report.ts'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
  },
})
const ROUNDS = Number(args.rounds)

export type Row = {
  p50: number
  p95: number
  p99: number
  rps: number
  rssMb: number
  failed: number
}

const double = await startKafkaRestDouble({ topics: ['transactions.realtime', 'transactions.dlq'] })
const rest = { KAFKA_REST_URL: double.url, KAFKA_REST_CLUSTER_ID: double.clusterId }
const variants: { name: string; env: Record<string, string> }[] = [
  { name: 'discard (baseline)', env: { BENCH_PUBLISHER: 'discard' } },
  { name: 'spool (fsync, embedded default)', env: { BENCH_PUBLISHER: 'server' } },
  { name: 'Kafka REST v3 → double', env: { BENCH_PUBLISHER: 'server', ...rest } },
  {
    name: 'Kafka REST v2 → double',
    env: { BENCH_PUBLISHER: 'server', ...rest, KAFKA_REST_API: 'v2' },
  },
]
if (process.env['KAFKA_BROKERS']) {
  const brokers = process.env['KAFKA_BROKERS']
  variants.push({
    name: `kafkajs → ${brokers}`,
    env: { BENCH_PUBLISHER: 'server', KAFKA_BROKERS: brokers },
  })
}

const results = new Map<string, (Row & { produceCalls: number })[]>()
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse()
  for (const v of order) {
    const calls = double.requests.length
    const records = double.requests.reduce((a, b) => a + b, 0)
    const row = await runChild(v.env)
    const produced = double.requests.reduce((a, b) => a + b, 0) - records
    const perCall = produced / Math.max(1, double.requests.length - calls)
    results.set(v.name, [...(results.get(v.name) ?? []), { ...row, produceCalls: perCall }])
  }
}
await double.close()

const rows = variants.map((v) => ({ name: v.name, ...medianRound(results.get(v.name) ?? [])! }))
console.log(
  `\ntxgate bench:publish — ${ROUNDS} rounds (median), n=${args.n} sequential for latency, ` +
    `${args.concurrency} in flight for req/s, node ${process.version}, one child process per run\n`,
)
printLatencyTable(rows, { header: 'publisher', width: 34, of: (r) => r.name }, [
  {
    header: 'rec/produce',
    cell: (r) => (r.name.startsWith('Kafka REST') ? (r.produceCalls ?? NaN).toFixed(1) : '—'),
  },
  { header: 'failed', cell: (r) => String(r.failed ?? 0) },
])

// --- Internal helpers ---

function runChild(env: Record<string, string>): Promise<Row> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/publish-run.ts'], {
      env: {
        ...process.env,
        KAFKA_BROKERS: '',
        KAFKA_REST_URL: '',
        ...env,
        BENCH_N: String(args.n),
        BENCH_CONCURRENCY: String(args.concurrency),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Row)
      else reject(new Error(`bench run failed (${code}): ${out}`))
    })
  })
}
