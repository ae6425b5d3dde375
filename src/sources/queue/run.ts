/**
 * @module The one interface every broker adapter implements, and the lifecycle around it:
 * start → messages through the shared flow → stop (stop fetching, finish in-flight, settle, close).
 */
import type { Logger } from '../../observability/log.ts'
import { NO_METRICS, type Metrics } from '../../observability/metrics.ts'
import type { QueueConsumer } from './consume.ts'
import { createQueueFlow, type FlowOptions, type FlowStats, type QueueFlow } from './flow.ts'

/**
 * A broker client (rabbitmq.ts, kafka.ts, nats.ts under src/runtime/server/sources/). It only
 * moves messages: every decision (when to ack, pause, back off, stop) is the flow's.
 */
export type QueueAdapter = {
  /** `rabbitmq`, `kafka`, `nats`. */
  readonly kind: string
  /** Connects and starts handing each message to `flow.deliver` with its Settle (ack / retry). */
  start(flow: QueueFlow): Promise<void>
  /** Stops fetching: once it resolves, no new message reaches the flow. */
  halt(): Promise<void>
  /** Closes the connection; called after the flow has settled every in-flight message. */
  close(): Promise<void>
  /** Messages waiting in the broker for this source (queue depth, high watermark − committed, num_pending); undefined when unknown. */
  lag(): Promise<number | undefined>
}

export type RunningQueueSource = {
  readonly name: string
  readonly kind: string
  /** Stop fetching, finish and settle the in-flight messages, close. Idempotent. */
  stop(): Promise<void>
  lag(): Promise<number | undefined>
  stats(): FlowStats
}

export type RunOptions = Omit<FlowOptions, 'metrics' | 'log'> & { metrics?: Metrics; log?: Logger }

/** Lag is read on /metrics scrapes; a broker slower than this leaves the gauge as it was. */
const LAG_TIMEOUT_MS = 2000

export async function startQueueSource(adapter: QueueAdapter, consumer: QueueConsumer, opts: RunOptions): Promise<RunningQueueSource> {
  const metrics = opts.metrics ?? NO_METRICS
  const name = consumer.source?.name ?? 'queue'
  const flow = createQueueFlow(consumer, opts)
  let stopped = false
  await adapter.start(flow)
  opts.log?.info('queue source consuming', { source: name, kind: adapter.kind, max_in_flight: opts.maxInFlight })
  metrics.onCollect(async () => {
    if (stopped) return
    const lag = await withTimeout(adapter.lag(), LAG_TIMEOUT_MS).catch(() => undefined)
    if (lag !== undefined) metrics.gauge('txgate_queue_lag_messages', { source: name }, lag)
  })
  let stopping: Promise<void> | undefined
  return {
    name,
    kind: adapter.kind,
    stats: () => flow.stats(),
    lag: () => adapter.lag(),
    stop() {
      stopping ??= (async () => {
        await adapter.halt()
        await flow.stop()
        stopped = true
        await adapter.close()
        opts.log?.info('queue source stopped', { source: name, kind: adapter.kind })
      })()
      return stopping
    },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(t))
}
