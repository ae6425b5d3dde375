/**
 * Soak: the gateway under steady load for a long time, to see memory and latency drift. First the
 * maximum rate is measured (--measure s at full speed, or given as --rate MAX), then --minutes of an
 * open loop at --share (default 0.5) of it, with duplicates and bad signatures mixed in. Every
 * minute prints the gateway's RSS, V8 heap, event-loop delay (p99 and max, from prom-client's
 * collector on the gateway's /metrics, which resets at each scrape: one minute's worth) and the
 * answered requests' p50/p99. RSS is the value at the minute's end and the minute's peak (sampled
 * every 100 ms). Goal: RSS growth < 10 % after the first 5 minutes, p99 flat.
 *
 *   npm run bench:soak -- [--minutes 30] [--rate MAX] [--measure 20] [--share 0.5]
 *                         [--dup 0.1] [--bad 0.05] [--concurrency 64] [--env KEY=VALUE ...]
 *                         [--memory-store]
 *
 * The gateway is the Node entry with the spool as its sink (size cap lifted: 30 minutes of
 * events is several GB on disk) and its own redis-server on a free port for idempotency and rate
 * limits, as a production instance would have; --memory-store uses the in-process store instead,
 * whose 24 h of idempotency keys grow the heap by design. Requests are signed a minute at a time
 * (signatures expire after 300 s), in a pause of a few seconds between minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { drive, percentile } from './lib/drive.ts'
import { benchSecrets, buildRequests, SIGNABLE } from './lib/requests.ts'
import { startTarget } from './lib/target.ts'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string' },
    measure: { type: 'string', default: '20' },
    share: { type: 'string', default: '0.5' },
    dup: { type: 'string', default: '0.1' },
    bad: { type: 'string', default: '0.05' },
    concurrency: { type: 'string', default: '64' },
    'memory-store': { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
  },
})
const minutes = Number(args.minutes)
const concurrency = Number(args.concurrency)
const mix = { providers: [...SIGNABLE], dup: Number(args.dup), bad: Number(args.bad) }
const extraEnv = Object.fromEntries(
  args.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
)
const secrets = benchSecrets(process.env, true)
const redis = args['memory-store'] || extraEnv['REDIS_URL'] ? undefined : await startRedis()
const target = await startTarget('bin/serve.js', {
  ...secrets,
  ...(redis ? { REDIS_URL: redis.url } : {}),
  TXGATE_SPOOL_MAX_BYTES: String(200 * 2 ** 30),
  ...Object.fromEntries(mix.providers.map((p) => [`TXGATE_RATE_LIMIT_${p.toUpperCase()}`, '1000000/s,burst=1000000'])),
  ...extraEnv,
})
const mb = (b: number) => (b / 2 ** 20).toFixed(0)
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—')

try {
  let max = Number(args.rate ?? NaN)
  if (!Number.isFinite(max)) {
    const requests = await buildRequests(100_000, mix, secrets, `max-${Date.now()}`)
    const r = await drive({ url: target.url, requests, concurrency, durationMs: Number(args.measure) * 1000 })
    max = (r.latencies.length / r.elapsedMs) * 1000
    console.log(`max rate: ${max.toFixed(0)} req/s over ${(r.elapsedMs / 1000).toFixed(0)} s (${concurrency} connections, p99 ${ms(percentile(r.latencies, 0.99))} ms)`)
  }
  const rps = Math.max(1, Math.round(max * Number(args.share)))
  console.log(
    `soak: ${minutes} min at ${rps} req/s (${args.share} of ${max.toFixed(0)}), dup ${mix.dup}, bad ${mix.bad}, providers ${mix.providers.join('+')}, ` +
      `store ${redis ? 'own redis-server' : extraEnv['REDIS_URL'] ? 'REDIS_URL' : 'in-process'}, node ${process.version}\n`,
  )
  await scrape(target.url) // resets the event-loop histogram, so minute 1 starts clean
  const head = '| min | req/s | 2xx | 401 | 409 | 5xx | errors | p50 ms | p99 ms | max ms | RSS MB | peak MB | heap MB | loop p99 ms | loop max ms | dropped |'
  console.log(`${head}\n${head.replace(/[^|]+/g, ' --- ')}`)
  const rows: { rss: number; p99: number }[] = []
  let peakAll = 0
  for (let m = 1; m <= minutes; m++) {
    const requests = await buildRequests(rps * 60, mix, secrets, `soak-${m}-${Date.now()}`)
    target.resetRss()
    const r = await drive({ url: target.url, requests, concurrency, rps, durationMs: 60_000 })
    const g = await scrape(target.url)
    const { last: rss, peak } = target.rss()
    peakAll = Math.max(peakAll, peak)
    const p99 = percentile(r.latencies, 0.99)
    rows.push({ rss, p99 })
    const ok = [...r.statuses].filter(([s]) => s >= 200 && s < 300).reduce((a, [, n]) => a + n, 0)
    const s5xx = [...r.statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0)
    console.log(
      `| ${m} | ${((r.latencies.length / r.elapsedMs) * 1000).toFixed(0)} | ${ok} | ${r.statuses.get(401) ?? 0} | ${r.statuses.get(409) ?? 0} | ${s5xx} | ${r.errors} | ` +
        `${ms(percentile(r.latencies, 0.5))} | ${ms(p99)} | ${ms(percentile(r.latencies, 1))} | ${mb(rss)} | ${mb(peak)} | ${mb(g('nodejs_heap_size_used_bytes'))} | ` +
        `${ms(g('nodejs_eventloop_lag_p99_seconds') * 1000)} | ${ms(g('nodejs_eventloop_lag_max_seconds') * 1000)} | ${r.dropped} |`,
    )
  }
  const from = rows[Math.min(4, rows.length - 1)]
  const last = rows.at(-1)
  if (from && last) {
    const after = rows.slice(5).map((x) => x.p99).sort((a, b) => a - b)
    console.log(
      `\nRSS after minute ${Math.min(5, rows.length)}: ${mb(from.rss)} MB, at the end ${mb(last.rss)} MB: ${(((last.rss - from.rss) / from.rss) * 100).toFixed(1)} % (goal < 10 %); ` +
        `p99 after minute 5: median ${ms(after[Math.floor(after.length / 2)] ?? NaN)} ms, highest ${ms(after.at(-1) ?? NaN)} ms; peak RSS ${mb(peakAll)} MB`,
    )
  }
} finally {
  await target.stop()
  await redis?.stop()
}

// --- Internal helpers ---

/** One /metrics scrape; returns a reader of unlabelled gauges (NaN when absent). */
async function scrape(url: string): Promise<(name: string) => number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
}

/** A throwaway redis-server (no persistence) on a free port, so the soak's keys stay out of the shared one. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'txgate-soak-redis-'))
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  })
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1')
      sock.once('connect', () => (sock.destroy(), resolve(true))).once('error', () => resolve(false))
    })
    if (up) break
    if (i > 100 || child.exitCode !== null) throw new Error('redis-server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
