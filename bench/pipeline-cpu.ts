/**
 * CPU per webhook of the gateway's own code, in process: the Node server's dependencies as
 * `npm start` builds them (spool in a temp dir, every 200 fsync'd; in-process store; node:crypto
 * HMAC; request logs at `info` to a sink that only counts), requests from bench/lib/requests.ts
 * (the same mix as load.ts) sent through `app.fetch` by `--concurrency` callers, no HTTP. Prints
 * CPU µs per request (process.cpuUsage over the measured part) per round and the median. CPU time
 * moves far less than wall-clock time on a shared machine, so before/after of a change shows here
 * even when load.ts's req/s does not; profile it with `node --cpu-prof --import tsx …`.
 *
 *   node --import tsx bench/pipeline-cpu.ts [--n 20000] [--rounds 5] [--concurrency 64] [--providers stripe]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getRequestListener } from '@hono/node-server'
import { createApp } from '../src/app.ts'
import { buildServerDeps } from '../src/runtime/server/deps.ts'
import { benchSecrets, buildRequests, type BenchRequest } from './lib/requests.ts'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    providers: { type: 'string', default: 'stripe' },
    dup: { type: 'string', default: '0.1' },
    bad: { type: 'string', default: '0.05' },
  },
})
const n = Number(args.n)
const mix = { providers: args.providers.split(','), dup: Number(args.dup), bad: Number(args.bad) }
const secrets = benchSecrets({}, true)
const dir = await mkdtemp(join(tmpdir(), 'txgate-pipeline-cpu-'))
let logged = 0
const deps = await buildServerDeps(
  {
    ...secrets,
    ...Object.fromEntries(mix.providers.map((p) => [`TXGATE_RATE_LIMIT_${p.toUpperCase()}`, '1000000/s,burst=1000000'])),
    TXGATE_SPOOL_DIR: join(dir, 'spool'),
    LOG_LEVEL: 'info',
  },
  (line) => void (logged += line.length),
)
const app = createApp({ ...deps, clientIp: () => '127.0.0.1' })
// As `serve` does: the global Response becomes @hono/node-server's light one (undici's builds a
// ReadableStream per answer), so the app answers here as it does behind HTTP.
getRequestListener(app.fetch)

async function drive(requests: readonly BenchRequest[]): Promise<Map<number, number>> {
  const statuses = new Map<number, number>()
  let next = 0
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++] as BenchRequest
      const res = await app.fetch(lightRequest(r))
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: Number(args.concurrency) }, worker))
  return statuses
}

/**
 * What the app reads of a request, without undici's Request (its constructor alone cost more
 * than the pipeline here); @hono/node-server hands the app a similarly light object.
 */
function lightRequest(r: BenchRequest): Request {
  const body = r.body
  return {
    method: 'POST',
    url: `http://gateway/webhooks/v1/${r.provider}/events`,
    headers: new Headers({ ...r.headers, 'content-length': String(body.byteLength) }),
    body: null,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
  } as unknown as Request
}

await drive(await buildRequests(2000, { ...mix, dup: 0, bad: 0 }, secrets, 'warm'))
const perRequest: number[] = []
for (let round = 0; round < Number(args.rounds); round++) {
  const requests = await buildRequests(n, mix, secrets, `round-${round}`)
  const before = process.cpuUsage()
  const statuses = await drive(requests)
  const used = process.cpuUsage(before)
  const us = (used.user + used.system) / n
  perRequest.push(us)
  console.log(`round ${round}: ${us.toFixed(1)} µs/req (user ${(used.user / n).toFixed(1)}, system ${(used.system / n).toFixed(1)}), statuses ${[...statuses].map(([s, c]) => `${s}:${c}`).join(' ')}`)
}
const sorted = [...perRequest].sort((a, b) => a - b)
console.log(`median CPU per request: ${(sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN).toFixed(1)} µs (${n} requests × ${args.rounds} rounds, ${logged} log chars)`)
await deps.close()
await rm(dir, { recursive: true, force: true })
