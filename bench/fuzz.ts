/**
 * Hostile volume against a running gateway: N (default 1 000 000) requests, each a signed webhook
 * (Stripe, generic, Adyen) with random mutations — bytes flipped, bodies cut, headers dropped or
 * garbled, random content-encodings, gzip streams cut short, random paths and methods, oversize
 * headers. Prints the status histogram, socket errors and the gateway's RSS every 100 000 requests.
 * Goal: 0 × 500, 0 crashes (the process is alive at the end), RSS flat.
 *
 *   node --import tsx bench/fuzz.ts --count 1000000 --concurrency 64
 *   node --import tsx bench/fuzz.ts --url http://127.0.0.1:8787 --pid 1234   # a gateway already running
 */
import { Agent, request } from 'node:http'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { benchSecrets, buildRequests, SIGNABLE, type BenchRequest } from './lib/requests.ts'
import { rssSampler, startTarget, type Target } from './lib/target.ts'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '64' },
    seed: { type: 'string', default: '1' },
    url: { type: 'string' },
    pid: { type: 'string' },
  },
})
const count = Number(args.count)
const concurrency = Number(args.concurrency)
const secrets = benchSecrets(process.env, args.url === undefined)
const providers = [...SIGNABLE]
let target: Target | undefined
if (args.url === undefined) {
  target = await startTarget('bin/serve.js', {
    ...secrets,
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(providers.map((p) => [`TXGATE_RATE_LIMIT_${p.toUpperCase()}`, '1000000/s,burst=1000000'])),
  })
}
const url = new URL(args.url ?? target?.url ?? '')
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && !process.env['BENCH_ALLOW_REMOTE']) {
  throw new Error(`refusing to load ${url.hostname}: loopback only (BENCH_ALLOW_REMOTE=1 for your own deployment)`)
}
const pid = target?.pid ?? (args.pid ? Number(args.pid) : undefined)
const rss = rssSampler(pid)

// xorshift32: reproducible mutations from --seed, cheap enough for a million requests.
let state = Number(args.seed) >>> 0 || 1
const rand = () => {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 0x1_0000_0000
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))

type Wire = { method: string; path: string; headers: Record<string, string>; body: Uint8Array }
const PATHS = ['/webhooks/v1/nope/events', '/webhooks/v1/stripe/events/acme', '/webhooks/v1/stripe', '/batch/v1/jobs', '/ready', '/%zz', '/webhooks/v1/../admin']
const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip', '']

/** One to three mutations of a signed request; about 1 in 20 is sent as it was signed. */
function mutate(r: BenchRequest): Wire {
  const w: Wire = { method: 'POST', path: `/webhooks/v1/${r.provider}/events`, headers: { ...r.headers }, body: r.body }
  if (rand() < 0.05) return w
  const n = 1 + Math.floor(rand() * 3)
  for (let i = 0; i < n; i++) {
    const m = Math.floor(rand() * 11)
    const names = Object.keys(w.headers)
    if (m === 0 && w.body.length > 0) {
      w.body = w.body.slice()
      const at = Math.floor(rand() * w.body.length)
      w.body[at] = (w.body[at] as number) ^ (1 + Math.floor(rand() * 255))
    } else if (m === 1) w.body = w.body.subarray(0, Math.floor(rand() * w.body.length))
    else if (m === 2 && names.length > 0) delete w.headers[pick(names)]
    else if (m === 3 && names.length > 0) {
      const name = pick(names)
      const v = w.headers[name] ?? ''
      const at = Math.floor(rand() * (v.length + 1))
      w.headers[name] = v.slice(0, at) + String.fromCharCode(0x20 + Math.floor(rand() * 95)) + v.slice(at + 1)
    } else if (m === 4) w.headers['content-encoding'] = pick(ENCODINGS)
    else if (m === 5) {
      const gz = gzipSync(w.body)
      w.body = rand() < 0.5 ? gz : gz.subarray(0, Math.floor(rand() * gz.length))
      w.headers['content-encoding'] = 'gzip'
    } else if (m === 6) w.path = pick(PATHS)
    else if (m === 7) w.method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    else if (m === 8) w.body = randomBytes(Math.floor(rand() * 2048))
    else if (m === 9) w.headers['content-type'] = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', '\u0001'.replace(/\u0001/, 'x/y')])
    else w.headers['x-request-id'] = 'x'.repeat(Math.floor(rand() * 12_000))
  }
  return w
}

function send(agent: Agent, w: Wire): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: w.path,
        method: w.method,
        headers: { ...w.headers, 'content-length': String(w.body.byteLength) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(w.body)
  })
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
const statuses = new Map<number, number>()
let errors = 0
let sent = 0
// Re-signed every 100 000 requests so the unmutated ones stay within the 300 s tolerance.
let pool: BenchRequest[] = []
const started = performance.now()
const mb = (b: number) => (b / 1024 / 1024).toFixed(1)
const rows: string[] = []
const hist = () => [...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}:${c}`).join(' ')

while (sent < count) {
  pool = await buildRequests(2000, { providers, dup: 0.1, bad: 0.05 }, secrets, `fuzz-${sent}`)
  const end = Math.min(count, sent + 100_000)
  const worker = async () => {
    while (sent < end) {
      sent++
      try {
        const status = await send(agent, mutate(pick(pool)))
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await new Promise((resolve) => setTimeout(resolve, 150)) // one RSS sample after the step
  const row = `| ${sent} | ${((performance.now() - started) / 1000).toFixed(0)} | ${mb(rss.read().last)} | ${errors} | ${hist()} |`
  rows.push(row)
  console.log(row)
}
agent.destroy()
let alive = true
if (pid !== undefined) {
  try {
    process.kill(pid, 0)
  } catch {
    alive = false
  }
}
const elapsed = (performance.now() - started) / 1000
console.log(`\n| requests | s | RSS MB | socket errors | status histogram |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}`)
console.log(
  `\n${sent} requests in ${elapsed.toFixed(0)} s (${(sent / elapsed).toFixed(0)} req/s), 5xx: ${[...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)}, socket errors: ${errors}, gateway alive: ${alive}, peak RSS ${mb(rss.read().peak)} MB`,
)
rss.stop()
await target?.stop()
