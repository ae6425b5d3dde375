/**
 * The load loop over HTTP/1.1 keep-alive (node:http): as fast as `concurrency` connections allow,
 * or open-loop at a fixed rate, with latency counted from each request's scheduled time then (so
 * a stalled server is not hidden by a generator that waits for it). Bounded in count and time.
 */
import { Agent, request } from 'node:http'
import type { BenchRequest } from './requests.ts'

export type DriveOptions = {
  url: string
  requests: readonly BenchRequest[]
  concurrency: number
  /** Requests per second (open loop); absent: as fast as the connections go. */
  rps?: number
  durationMs: number
}

export type DriveResult = {
  sent: number
  elapsedMs: number
  /** Sorted, in milliseconds. */
  latencies: Float64Array
  statuses: Map<number, number>
  errors: number
  /** Fixed-rate mode only: scheduled requests not sent because `concurrency` were in flight. */
  dropped: number
}

export async function drive(opts: DriveOptions): Promise<DriveResult> {
  const target = new URL(opts.url)
  if (
    !['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) &&
    !process.env['BENCH_ALLOW_REMOTE']
  ) {
    throw new Error(
      `refusing to load ${target.hostname}: loopback only (set BENCH_ALLOW_REMOTE=1 for your own deployment)`,
    )
  }
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency })
  const base = target.pathname.replace(/\/$/, '')
  const latencies = new Float64Array(opts.requests.length)
  const statuses = new Map<number, number>()
  let done = 0
  let errors = 0
  let dropped = 0
  let next = 0
  const started = performance.now()
  const deadline = started + opts.durationMs

  const one = async (r: BenchRequest, from: number): Promise<void> => {
    try {
      const status = await send(agent, target, `${base}/webhooks/v1/${r.provider}/events`, r)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      latencies[done++] = performance.now() - from
    } catch {
      errors++
    }
  }

  if (opts.rps === undefined) {
    const worker = async () => {
      while (next < opts.requests.length && performance.now() < deadline) {
        const r = opts.requests[next++] as BenchRequest
        await one(r, performance.now())
      }
    }
    await Promise.all(Array.from({ length: opts.concurrency }, worker))
  } else {
    const interval = 1000 / opts.rps
    const inFlight = new Set<Promise<void>>()
    while (next < opts.requests.length) {
      const now = performance.now()
      if (now >= deadline) break
      // Everything due by now goes out; the loop then sleeps about one millisecond.
      while (next < opts.requests.length && started + next * interval <= now) {
        const due = started + next * interval
        const r = opts.requests[next++] as BenchRequest
        if (inFlight.size >= opts.concurrency) {
          dropped++
          continue
        }
        const p = one(r, due).finally(() => inFlight.delete(p))
        inFlight.add(p)
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.all(inFlight)
  }
  const elapsedMs = performance.now() - started
  agent.destroy()
  const sorted = latencies.slice(0, done).sort()
  return { sent: done + errors, elapsedMs, latencies: sorted, statuses, errors, dropped }
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
}

// --- Internal helpers ---

function send(agent: Agent, target: URL, path: string, r: BenchRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        path,
        method: 'POST',
        headers: { ...r.headers, 'content-length': String(r.body.byteLength) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(r.body)
  })
}
