/**
 * Batch record dedupe: claim + commit of unique keys in chunks, as the batch path does per chunk,
 * through the in-process table (the baseline, no Redis), Redis with one script call per key (the
 * old way) and Redis with the many-key calls (one script call per 1000 keys).
 *
 *   npm run bench:batch-dedupe -- [--keys 200000] [--chunk 10000] [--rounds 3] [--redis redis://host:6379] [--timeout-ms 50]
 *
 * Env: none. Without --redis a private redis-server on loopback is started (and flushed between
 * runs), so its counters are ours. --timeout-ms is the store's per-call timeout (the gateway's
 * default is 50 ms): a call that misses it fails open, counted as "unguarded".
 */
import { Redis } from 'ioredis'
import { parseArgs } from 'node:util'
import { createLocalDedupe, type BatchDedupe } from '../src/batch/dedupe.ts'
import { createStoreDedupe } from '../src/batch/store-dedupe.ts'
import { openRedisStore } from '../src/runtime/server/redis-store.ts'
import type { Store } from '../src/store/types.ts'
import { deleteKeys, startRedisServer } from '../test/helpers/redis-server.ts'

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '200000' },
    chunk: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    /** An existing Redis; default: a private redis-server on loopback. */
    redis: { type: 'string' },
    'timeout-ms': { type: 'string', default: '50' },
  },
})
const KEYS = Number(args.keys)
const CHUNK = Number(args.chunk)
const ROUNDS = Number(args.rounds)
const IN_FLIGHT_TTL = 300_000
const TTL = 86_400_000
const prefix = `txgate-bench:${process.pid}:${Date.now()}:`

/** The store without its many-key methods: createStoreDedupe then calls once per key. */
const perKeyOnly = (s: Store): Store => ({
  kind: s.kind,
  shared: s.shared,
  claim: (...a) => s.claim(...a),
  commit: (...a) => s.commit(...a),
  release: (...a) => s.release(...a),
  renew: (...a) => s.renew(...a),
  ping: () => s.ping(),
})

const own = args.redis ? undefined : await startRedisServer()
const redisUrl = args.redis ?? own?.url ?? ''
const admin = new Redis(redisUrl)
const redis = await openRedisStore({ url: redisUrl, prefix, timeoutMs: Number(args['timeout-ms']) })
if (!(await redis.connected(2000))) throw new Error(`no Redis at ${redisUrl}`)

type Mode = { name: string; dedupe: BatchDedupe; redis: boolean }
const modes: Mode[] = [
  { name: 'in-process table (baseline)', dedupe: createLocalDedupe({ clock: Date.now }), redis: false },
  { name: 'redis, one script call per key', dedupe: createStoreDedupe(perKeyOnly(redis)), redis: true },
  { name: 'redis, many-key calls', dedupe: createStoreDedupe(redis), redis: true },
]

type Row = { mode: string; keysPerSec: number; p50: number; p99: number; calls: number; unguarded: number; commitFailed: number }

/** Scripts Redis has run so far (EVALSHA + EVAL in INFO commandstats; SETs inside them count as SET). */
async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats')
  let calls = 0
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2])
  return calls
}

// Keys and event ids like the batch path's (`{provider}:{transaction_id}`, UUIDv7), made before timing.
let run = 0
function chunks(): { keys: string[]; ids: string[] }[] {
  const r = ++run
  const out = []
  for (let from = 0; from < KEYS; from += CHUNK) {
    const n = Math.min(CHUNK, KEYS - from)
    const keys = new Array<string>(n)
    const ids = new Array<string>(n)
    for (let i = 0; i < n; i++) {
      const hex = (from + i).toString(16).padStart(12, '0')
      keys[i] = `stripe:txn_r${r}_${hex}`
      ids[i] = `01938f2c-7a10-7000-8000-${hex}`
    }
    out.push({ keys, ids })
  }
  return out
}

async function measure(m: Mode): Promise<Row> {
  const work = chunks()
  const before = m.redis ? await scriptCalls() : 0
  const latencies: number[] = []
  let unguarded = 0
  let commitFailed = 0
  const started = performance.now()
  for (const { keys, ids } of work) {
    const t = performance.now()
    const states = await m.dedupe.claim(keys, ids, IN_FLIGHT_TTL)
    const claimed = keys.filter((_, i) => states[i] === 'claimed')
    for (const s of states) if (s === 'unguarded') unguarded++
    await m.dedupe.commit(claimed, ids.filter((_, i) => states[i] === 'claimed'), TTL).catch(() => {
      commitFailed += claimed.length
    })
    latencies.push(performance.now() - t)
  }
  const seconds = (performance.now() - started) / 1000
  const calls = m.redis ? ((await scriptCalls()) - before) / work.length : 0
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
  // Not timed: keep Redis's memory flat between runs.
  if (m.redis) {
    if (own) await admin.flushall()
    else await deleteKeys(prefix, redisUrl)
  }
  return { mode: m.name, keysPerSec: KEYS / seconds, p50: pct(50), p99: pct(99), calls, unguarded, commitFailed }
}

// Warm-up (JIT, script cache), then rounds in alternating order; the median round per mode.
for (const m of modes) {
  await m.dedupe.claim(['warm:1', 'warm:2'], ['w1', 'w2'], IN_FLIGHT_TTL)
  await m.dedupe.commit(['warm:1'], ['w1'], TTL)
  await m.dedupe.release(['warm:2'], ['w2'])
}
const results = new Map<string, Row[]>()
for (let round = 0; round < ROUNDS; round++) {
  for (const m of round % 2 === 0 ? modes : [...modes].reverse()) {
    results.set(m.name, [...(results.get(m.name) ?? []), await measure(m)])
  }
}
await redis.close()
admin.disconnect()
await own?.stop()

const median = (rows: Row[]) => [...rows].sort((a, b) => a.keysPerSec - b.keysPerSec)[Math.floor(rows.length / 2)] as Row
const rows = modes.map((m) => median(results.get(m.name) ?? []))
const base = rows[0]?.keysPerSec ?? 1
console.log(
  `\ntxgate bench:batch-dedupe — ${KEYS.toLocaleString('en')} unique keys, claim + commit in chunks of ${CHUNK.toLocaleString('en')}, ` +
    `${ROUNDS} rounds (median), node ${process.version}, Redis ${own ? 'private on loopback' : redisUrl}, store timeout ${args['timeout-ms']} ms\n`,
)
const head = ['mode'.padEnd(32), '  keys/s', 'ratio', 'chunk p50 ms', 'chunk p99 ms', 'scripts/chunk', 'unguarded', 'commit failed']
console.log(head.join('  '))
for (const r of rows) {
  console.log(
    [
      r.mode.padEnd(32),
      Math.round(r.keysPerSec).toString().padStart(8),
      (r.keysPerSec / base).toFixed(2).padStart(5),
      r.p50.toFixed(1).padStart(12),
      r.p99.toFixed(1).padStart(12),
      r.calls.toFixed(0).padStart(13),
      String(r.unguarded).padStart(9),
      String(r.commitFailed).padStart(13),
    ].join('  '),
  )
}
console.log(
  '\nratio: keys/s against the in-process table. chunk p50/p99: claim + commit of one chunk.\n' +
    'scripts/chunk: Redis script calls per chunk, claim and commit (the per-key commit adds one SET\n' +
    'per key, not a script). unguarded: keys whose claim failed open (the store missed its timeout);\n' +
    'commit failed: claimed keys whose commit failed.',
)
