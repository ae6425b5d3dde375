/**
 * HTTP load generator: signed webhooks of several providers mixed (Stripe HMAC, Standard Webhooks,
 * Adyen item HMAC), a share of duplicates and of bad signatures, at a fixed rate or as fast as
 * the connections go. Reports req/s, p50/p95/p99 and the target's RSS. Loopback only.
 *
 *   npm run bench:load -- [--count 20000] [--duration 30] [--concurrency 64] [--rps N]
 *                         [--dup 0.1] [--bad 0.05] [--providers stripe,generic,adyen (stripe with --sdk-handler)]
 *                         [--baseline] [--sdk-handler] [--overhead] [--rounds 1] [--warmup 2000]
 *                         [--env KEY=VALUE ...] [--url http://127.0.0.1:8787 [--pid N]]
 *                         [--cpu-prof DIR] [--pin] [--compare ENTRY]
 *
 * Without --url it starts the gateway's Node entry (spool in a temp dir, in-process store unless
 * --env REDIS_URL=…, rate limits lifted) and loads it. --baseline also loads a bare Hono app on
 * the same runtime (bench/bare-hono.ts) in the same invocation: the ceiling, printed as a ratio.
 * --sdk-handler also loads bench/sdk-handler.ts (Stripe's SDK + ioredis SET NX / INCR + an fsync per
 * request: what a user would write by hand; Stripe events only, REDIS_URL or the local Redis).
 * Every row has the target's CPU time per request (utime+stime from /proc/<pid>/stat over the run).
 * --overhead loads the gateway twice, metrics and logging on (LOG_LEVEL=info) and off
 * (TXGATE_METRICS=off LOG_LEVEL=silent), and prints on/off ratios. With --url the secrets come
 * from this process's env (STRIPE_WEBHOOK_SECRET, GENERIC_WEBHOOK_SECRET, ADYEN_HMAC_KEY).
 * --all-providers loads every registered provider, signed as its conformance case signs
 * (test/providers/cases/<id>.ts), against one gateway configured for all of them, in rows:
 * Stripe only (the baseline), the mix of all fast verifiers, and each slow verifier (a remote
 * certificate, RSA: PayPal) alone; each printed as a ratio to Stripe only of the same run.
 * --cpu-prof DIR runs each target under `node --cpu-prof` into DIR (summarize a profile with
 * bench/lib/cpu-profile-top.ts). --pin puts the targets on the last core and this generator on the
 * others (taskset; Linux, 2+ cores). --compare ENTRY also loads another build of the gateway (a
 * bundle of an earlier commit kept under node_modules/, so its packages resolve) with the same
 * settings, and prints txgate / that as ratios: a before/after from one run.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { drive, percentile, type DriveResult } from './lib/drive.ts'
import { benchSecrets, buildRequests, SIGNABLE, type BenchRequest } from './lib/requests.ts'
import { buildCaseRequests, caseSettings, closeCases, loadCases, preflight, type LoadedCase } from './lib/case-requests.ts'
import { rssSampler, startTarget, type RssSampler, type Target } from './lib/target.ts'

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    pid: { type: 'string' },
    count: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '64' },
    rps: { type: 'string' },
    dup: { type: 'string', default: '0.1' },
    bad: { type: 'string', default: '0.05' },
    providers: { type: 'string' },
    baseline: { type: 'boolean', default: false },
    'sdk-handler': { type: 'boolean', default: false },
    overhead: { type: 'boolean', default: false },
    'all-providers': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '2000' },
    env: { type: 'string', multiple: true, default: [] },
    'cpu-prof': { type: 'string' },
    compare: { type: 'string' },
    pin: { type: 'boolean', default: false },
  },
})

type Variant = { name: string; entry: string; env: Record<string, string>; cases?: readonly LoadedCase[] }
type Row = { name: string; result: DriveResult; rss: { peak: number; last: number }; cpuUs: number }

const count = Number(args.count)
const durationMs = Number(args.duration) * 1000
const concurrency = Number(args.concurrency)
const rounds = Math.max(1, Number(args.rounds))
const warmup = Number(args.warmup)
// The SDK handler verifies Stripe only and answers every other provider's event at once, unverified:
// in a mix its req/s would be inflated, so with --sdk-handler the load is Stripe's unless told.
const providerList = (args.providers ?? (args['sdk-handler'] ? 'stripe' : SIGNABLE.join(','))).split(',')
if (args['sdk-handler'] && providerList.some((p) => p !== 'stripe'))
  console.warn('load: --sdk-handler with non-Stripe providers: the SDK handler skips their work, so its row is flattered')
const mix = { providers: providerList, dup: Number(args.dup), bad: Number(args.bad) }
const extraEnv = Object.fromEntries(
  args.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
)
// Signed timestamps must stay within the providers' ±300 s tolerance for the whole run.
if (durationMs * rounds * (1 + Number(args.overhead) + Number(args.baseline)) > 240_000) {
  console.warn(
    'warning: the run may outlast the 300 s signature tolerance; signatures are made once, up front',
  )
}

const secrets = benchSecrets(process.env, args.url === undefined)
const gatewayEnv = {
  ...secrets,
  // The bench measures the pipeline, not the limiter's refusals.
  ...Object.fromEntries(
    mix.providers.map((p) => [`TXGATE_RATE_LIMIT_${p.toUpperCase()}`, '1000000/s,burst=1000000']),
  ),
  ...extraEnv,
}
const loaded = args['all-providers'] ? await loadCases() : []
const checked = await preflight(loaded)
if (checked.failed.length) console.warn(`left out (their varied events do not pass as new ones): ${checked.failed.join('; ')}`)
const allCases = checked.ok
const casesEnv = { ...caseSettings(allCases), ...extraEnv }
const variants: Variant[] = args['all-providers']
  ? [
      { name: 'stripe only', entry: 'bin/serve.js', env: casesEnv, cases: allCases.filter((l) => l.c.provider === 'stripe') },
      {
        name: `all fast (${allCases.filter((l) => !l.slow).length} providers)`,
        entry: 'bin/serve.js',
        env: casesEnv,
        cases: allCases.filter((l) => !l.slow),
      },
      ...allCases
        .filter((l) => l.slow)
        .map((l) => ({ name: `${l.c.provider} only (slow verifier)`, entry: 'bin/serve.js', env: casesEnv, cases: [l] })),
    ]
  : args.overhead
  ? [
      {
        name: 'txgate, metrics+logs on',
        entry: 'bin/serve.js',
        env: { ...gatewayEnv, LOG_LEVEL: 'info' },
      },
      {
        name: 'txgate, metrics+logs off',
        entry: 'bin/serve.js',
        env: { ...gatewayEnv, LOG_LEVEL: 'silent', TXGATE_METRICS: 'off' },
      },
    ]
  : [{ name: 'txgate', entry: 'bin/serve.js', env: gatewayEnv }]
if (args.compare)
  variants.push({ name: `compare (${args.compare.split('/').at(-1)})`, entry: args.compare, env: gatewayEnv })
if (args.baseline)
  variants.push({ name: 'bare hono (ceiling)', entry: 'bench/bare-hono.ts', env: {} })
if (args['sdk-handler'])
  variants.push({ name: 'sdk handler (stripe+ioredis+fsync)', entry: 'bench/sdk-handler.ts', env: { ...secrets, ...extraEnv } })

console.log(
  `load: ${count} requests (≤ ${args.duration} s), ${args.rps ? `${args.rps} req/s open loop` : `max rate, ${concurrency} connections`}, ` +
    `providers ${args['all-providers'] ? allCases.map((l) => l.c.provider).join('+') : mix.providers.join('+')}, dup ${mix.dup}, bad ${mix.bad}, ${rounds} round(s), node ${process.version}`,
)

const cores = availableParallelism()
const pinned = args.pin && cores > 1 ? String(cores - 1) : undefined
if (pinned) execFileSync('taskset', ['-cp', `0-${cores - 2}`, String(process.pid)], { stdio: 'ignore' })
const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []

const rows: Row[] = []
for (let round = 0; round < rounds; round++) {
  // Alternate the order so that neither variant always runs on a warmer machine.
  const order = round % 2 === 0 ? variants : [...variants].reverse()
  for (const v of order) rows.push(await measure(v, `r${round}`))
}
report(rows)
await closeCases(loaded)

// --- Internal helpers ---

async function measure(v: Variant, tag: string): Promise<Row> {
  const seed = `${tag}-${v.name.replace(/\W+/g, '')}-${Date.now()}`
  const requests = v.cases
    ? await buildCaseRequests(count, v.cases, mix, seed)
    : await buildRequests(count, mix, secrets, seed)
  const warm = v.cases
    ? await buildCaseRequests(warmup, v.cases, { dup: 0, bad: 0 }, `${seed}-warm`)
    : await buildRequests(warmup, { ...mix, dup: 0, bad: 0 }, secrets, `${seed}-warm`)
  let target: Target | undefined
  let url = args.url
  let rss: RssSampler = rssSampler(args.pid === undefined ? undefined : Number(args.pid))
  if (url === undefined) {
    target = await startTarget(v.entry, v.env, { nodeArgs, ...(pinned ? { cpus: pinned } : {}) })
    url = target.url
    rss.stop()
    rss = { read: target.rss, reset: target.resetRss, stop: () => undefined }
  }
  try {
    if (warm.length) await drive({ url, requests: warm, concurrency, durationMs })
    rss.reset()
    const pid = target?.pid ?? (args.pid === undefined ? undefined : Number(args.pid))
    const cpuBefore = await cpuTicks(pid)
    const result = await drive({
      url,
      requests: requests as BenchRequest[],
      concurrency,
      durationMs,
      ...(args.rps ? { rps: Number(args.rps) } : {}),
    })
    const ticks = (await cpuTicks(pid)) - cpuBefore
    // Linux counts CPU time in clock ticks of 10 ms (CLK_TCK 100).
    const cpuUs = result.latencies.length ? (ticks * 10_000) / result.latencies.length : NaN
    return { name: v.name, result, rss: rss.read(), cpuUs }
  } finally {
    rss.stop()
    await target?.stop()
  }
}

/** utime + stime of `pid` in clock ticks (NaN where /proc is not there). */
async function cpuTicks(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

function report(all: Row[]): void {
  const byName = new Map<string, Row[]>()
  for (const r of all) byName.set(r.name, [...(byName.get(r.name) ?? []), r])
  const med = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN
  const summary = [...byName].map(([name, rs]) => {
    const rate = med(rs.map((r) => (r.result.latencies.length / r.result.elapsedMs) * 1000))
    const q = (p: number) => med(rs.map((r) => percentile(r.result.latencies, p)))
    const last = rs.at(-1) as Row
    const st = (lo: number, hi: number) =>
      [...last.result.statuses].filter(([s]) => s >= lo && s < hi).reduce((a, [, n]) => a + n, 0)
    return {
      name,
      rate,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: q(1),
      ok: st(200, 300),
      s401: last.result.statuses.get(401) ?? 0,
      s429: last.result.statuses.get(429) ?? 0,
      s5xx: st(500, 600),
      errors: last.result.errors,
      dropped: last.result.dropped,
      rss: last.rss.peak,
      cpuUs: med(rs.map((r) => r.cpuUs)),
    }
  })
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—')
  const mib = (b: number) => (b ? (b / 2 ** 20).toFixed(0) + ' MiB' : '—')
  console.table(
    Object.fromEntries(
      summary.map((s) => [
        s.name,
        {
          'req/s': Math.round(s.rate),
          'p50 ms': ms(s.p50),
          'p95 ms': ms(s.p95),
          'p99 ms': ms(s.p99),
          'max ms': ms(s.max),
          '2xx': s.ok,
          '401': s.s401,
          '429': s.s429,
          '5xx': s.s5xx,
          errors: s.errors,
          dropped: s.dropped,
          'peak RSS': mib(s.rss),
          'CPU µs/req': Number.isFinite(s.cpuUs) ? Math.round(s.cpuUs) : '—',
        },
      ]),
    ),
  )
  const find = (prefix: string) => summary.find((s) => s.name.startsWith(prefix))
  const txgate = find('txgate')
  const bare = find('bare hono')
  if (txgate && bare)
    console.log(
      `ratio ${txgate.name} / bare hono: req/s ${(txgate.rate / bare.rate).toFixed(3)}, p99 ${(txgate.p99 / bare.p99).toFixed(2)}x`,
    )
  const sdk = find('sdk handler')
  if (txgate && sdk)
    console.log(
      `ratio ${txgate.name} / sdk handler: req/s ${(txgate.rate / sdk.rate).toFixed(3)}, CPU per request ${(txgate.cpuUs / sdk.cpuUs).toFixed(2)}x`,
    )
  const compare = find('compare')
  if (txgate && compare)
    console.log(
      `ratio ${txgate.name} / ${compare.name}: req/s ${(txgate.rate / compare.rate).toFixed(3)}, CPU per request ${(txgate.cpuUs / compare.cpuUs).toFixed(2)}x`,
    )
  const stripeOnly = find('stripe only')
  if (stripeOnly)
    for (const s of summary.filter((x) => x !== stripeOnly))
      console.log(
        `ratio ${s.name} / stripe only: req/s ${(s.rate / stripeOnly.rate).toFixed(3)}, p99 ${(s.p99 / stripeOnly.p99).toFixed(2)}x`,
      )
  const on = find('txgate, metrics+logs on')
  const off = find('txgate, metrics+logs off')
  if (on && off) {
    console.log(
      `overhead of metrics+logging (on / off): req/s ${(on.rate / off.rate).toFixed(3)}, p50 ${(on.p50 / off.p50).toFixed(2)}x, p99 ${(on.p99 / off.p99).toFixed(2)}x`,
    )
  }
}
