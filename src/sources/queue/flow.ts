/**
 * @module Flow control shared by every queue adapter: at most N messages (and B bytes) in flight,
 * settle (ack / commit) only after the verdict, pause with exponential backoff while the output is
 * down — then one probe message before the rest — and a stop that finishes what is in flight.
 * Broker-independent and portable (timers only); the adapters are thin clients around it.
 */
import type { Logger } from '../../observability/log.ts'
import { NO_METRICS, type Metrics } from '../../observability/metrics.ts'
import type { QueueConsumer, QueueMessage, Verdict } from './consume.ts'

/** How the adapter settles one delivery; called once, after the message's output is durable or not. */
export type Settle = {
  /** Output durable, or the message went to the DLQ: ack it (RabbitMQ, NATS) / let its offset be committed (Kafka). */
  ack(): void | Promise<void>
  /** Not processed (output down, or stopping): nack with requeue / nak / leave its offset uncommitted. */
  retry(): void | Promise<void>
}

export type FlowOptions = {
  /** Messages in flight at most (waiting, processing or settling): the adapter's prefetch / batch. */
  maxInFlight: number
  /** Body bytes in flight at most; a single larger message still passes alone. */
  maxBytes?: number
  /** Pause after a retry verdict: base · 2^(failures−1), at most max. Default 200 ms … 30 s. */
  backoff?: { baseMs: number; maxMs: number }
  metrics?: Metrics
  log?: Logger
  /** Told when the flow pauses (output down) and resumes, e.g. to pause a Kafka fetch meanwhile. */
  onPause?(paused: boolean): void
}

export type FlowStats = { inFlight: number; bytes: number; paused: boolean; failures: number }

export type QueueFlow = {
  /**
   * Processes one message and settles it. Resolves with the verdict once settled (undefined: not
   * processed because the flow is stopping; it was retried). It first waits for room and for a
   * pause to end, so an adapter that awaits it is slowed by a slow output (backpressure); a push
   * adapter (amqplib) need not await it, its prefetch is the bound.
   */
  deliver(m: QueueMessage, settle: Settle): Promise<Verdict | undefined>
  /** Resolves when one more message fits and the flow is not paused: a pull adapter awaits it before fetching. */
  ready(): Promise<void>
  /** Resolves when nothing is in flight (e.g. before a rebalance or a reconnect completes). */
  idle(): Promise<void>
  /** Stops taking messages (later deliveries are retried at once), finishes and settles the in-flight ones. */
  stop(): Promise<void>
  readonly stopping: boolean
  stats(): FlowStats
}

const DEFAULT_BACKOFF = { baseMs: 200, maxMs: 30_000 }

export function createQueueFlow(consumer: QueueConsumer, opts: FlowOptions): QueueFlow {
  const source = { source: consumer.source?.name ?? 'queue' }
  const metrics = opts.metrics ?? NO_METRICS
  const backoff = opts.backoff ?? DEFAULT_BACKOFF
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY
  let inFlight = 0
  let bytes = 0
  let failures = 0
  let pausedUntil = 0
  let probing = false
  let stopping = false
  const stopped = new AbortController()
  // Everyone waiting for something to change (room, a pause's end, a probe's verdict, idleness).
  let changed = signal()

  const paused = () => failures > 0
  const notify = () => {
    const c = changed
    changed = signal()
    c.fire()
  }
  const gauges = () => {
    metrics.gauge('txgate_queue_in_flight', source, inFlight)
    metrics.gauge('txgate_queue_paused', source, paused() ? 1 : 0)
  }
  // An ack on a connection that just died throws; the broker redelivers the message, so it is
  // logged and not rethrown (a push adapter does not await deliver: it would be unhandled).
  const safely = async (fn: () => void | Promise<void>) => {
    try {
      await fn()
    } catch (err) {
      opts.log?.warn('queue source could not settle a message (the broker redelivers it)', { ...source, error: String(err) })
    }
  }
  const fits = (size: number) => inFlight === 0 || (inFlight < opts.maxInFlight && bytes + size <= maxBytes)

  /** Waits out a pause; after it, one message probes the output while the others wait for its verdict. */
  async function gate(): Promise<'go' | 'probe' | 'stop'> {
    for (;;) {
      if (stopping) return 'stop'
      if (!paused()) return 'go'
      const wait = pausedUntil - Date.now()
      if (wait > 0) await sleep(wait, stopped.signal)
      else if (!probing) {
        probing = true
        return 'probe'
      } else await changed.promise
    }
  }

  function settled(verdict: Verdict): void {
    if (verdict.action === 'retry' && verdict.scope === 'message') return
    if (verdict.action === 'ack') {
      if (failures > 0) {
        opts.log?.info('queue source resumed: the output is back', { ...source, after_failures: failures })
        failures = 0
        opts.onPause?.(false)
      }
      return
    }
    failures++
    const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 30))
    pausedUntil = Math.max(pausedUntil, Date.now() + delay)
    if (failures === 1) {
      opts.log?.warn('queue source paused: the output is down, the message is not acked', { ...source, reason: verdict.reason })
      opts.onPause?.(true)
    }
  }

  return {
    get stopping() {
      return stopping
    },
    stats: () => ({ inFlight, bytes, paused: paused(), failures }),
    async deliver(m, settle) {
      metrics.count('txgate_queue_consumed_total', source)
      if (m.redelivered) metrics.count('txgate_queue_redelivered_total', source)
      const size = m.body.byteLength
      while (!stopping && !fits(size)) await changed.promise
      inFlight++
      bytes += size
      gauges()
      let role: 'go' | 'probe' | 'stop' = 'stop'
      try {
        role = await gate()
        if (role === 'stop') {
          await safely(() => settle.retry())
          return undefined
        }
        let verdict: Verdict
        try {
          verdict = await consumer.process(m)
        } catch (err) {
          verdict = { action: 'retry', reason: err instanceof Error ? err.message : String(err) }
        }
        settled(verdict)
        if (verdict.action === 'ack') {
          await safely(() => settle.ack())
          metrics.count(OUTCOME_METRIC[verdict.outcome], source)
        } else {
          // Its other copy is about to settle: hand this one back shortly, not at once (no spin).
          if (verdict.scope === 'message') await sleep(backoff.baseMs, stopped.signal)
          await safely(() => settle.retry())
          metrics.count('txgate_queue_retries_total', source)
        }
        return verdict
      } finally {
        if (role === 'probe') probing = false
        inFlight--
        bytes -= size
        gauges()
        notify()
      }
    },
    async ready() {
      while (!stopping && (!fits(1) || paused())) {
        const wait = pausedUntil - Date.now()
        if (paused() && wait > 0) await sleep(wait, stopped.signal)
        else if (paused() && !probing && inFlight === 0) return // the next message is the probe
        else await changed.promise
      }
    },
    async idle() {
      while (inFlight > 0) await changed.promise
    },
    async stop() {
      stopping = true
      stopped.abort()
      notify()
      while (inFlight > 0) await changed.promise
    },
  }
}

const OUTCOME_METRIC = {
  published: 'txgate_queue_published_total',
  dlq: 'txgate_queue_dlq_total',
  duplicate: 'txgate_queue_duplicates_total',
  ignored: 'txgate_queue_ignored_total',
} as const

function signal(): { promise: Promise<void>; fire(): void } {
  let fire!: () => void
  const promise = new Promise<void>((r) => (fire = r))
  return { promise, fire }
}

function sleep(ms: number, abort: AbortSignal): Promise<void> {
  if (abort.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t)
      abort.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, Math.max(1, ms))
    abort.addEventListener('abort', done, { once: true })
  })
}
