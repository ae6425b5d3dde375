/** @module NATS JetStream adapter: a durable pull consumer, explicit ack after the output is durable, nak with delay while it is down. */
import { AckPolicy, connect, nanos, type Consumer, type ConsumerConfig, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats'
import type { Logger } from '../../../observability/log.ts'
import type { Metrics } from '../../../observability/metrics.ts'
import type { NatsSourceSettings } from '../../../sources/kinds/nats.ts'
import type { QueueConsumer, QueueMessage } from '../../../sources/queue/consume.ts'
import type { QueueFlow } from '../../../sources/queue/flow.ts'
import { startQueueSource, type QueueAdapter, type RunningQueueSource } from '../../../sources/queue/run.ts'

export type NatsSource = {
  servers: string | readonly string[]
  stream: string
  /** The durable consumer txgate creates (or updates) on the stream and pulls from. */
  durable: string
  /** Only these subjects of the stream (default: all of them). */
  filterSubject?: string
  /** Messages in flight at most (the flow's limit; each pull asks for no more than is free). Default 100. */
  batch?: number
  /** Body bytes in flight at most. */
  maxBytes?: number
  /** The broker redelivers a message not acked within this time. */
  ackWaitMs?: number
  /** After this many deliveries the broker stops redelivering (default: unlimited). */
  maxDeliver?: number
  auth?: { user?: string; pass?: string; token?: string }
  backoff?: { baseMs: number; maxMs: number }
}

const DEFAULT_BACKOFF = { baseMs: 200, maxMs: 30_000 }
const RECONNECT = { baseMs: 500, maxMs: 30_000 }
/** How long one pull request waits for messages (the server's minimum is 1 s); also halt()'s bound. */
const FETCH_EXPIRES_MS = 2000
/**
 * Messages per pull request. The client ends a request at its expiry even while it is still
 * reading what arrived, and drops the rest (unacked until the ack wait): a busy process reads 100
 * well within 2 s, where 1 000 under load did not (30 s stalls in bench/queues.ts).
 */
const FETCH_MAX = 100

/** sources.yaml settings → the adapter's; a secret's variable that is not set stops the start, naming it. */
export function natsSettings(cfg: NatsSourceSettings & { name: string }, env: Record<string, string | undefined>): NatsSource {
  const secret = (name: string | undefined): string | undefined => {
    if (name === undefined) return undefined
    const v = env[name]
    if (!v) throw new Error(`source "${cfg.name}": ${name} is not set`)
    return v
  }
  const auth: NonNullable<NatsSource['auth']> = {}
  if (cfg.user !== undefined) auth.user = cfg.user
  const pass = secret(cfg.password_env)
  if (pass !== undefined) auth.pass = pass
  const token = secret(cfg.token_env)
  if (token !== undefined) auth.token = token
  const src: NatsSource = {
    servers: cfg.servers,
    stream: cfg.stream,
    durable: cfg.durable ?? `txgate-${cfg.name}`,
    batch: cfg.batch,
    ackWaitMs: cfg.ack_wait_s * 1000,
    auth,
    backoff: { baseMs: cfg.backoff.base_ms, maxMs: cfg.backoff.max_ms },
  }
  if (cfg.max_bytes !== undefined) src.maxBytes = cfg.max_bytes
  if (cfg.filter_subject !== undefined) src.filterSubject = cfg.filter_subject
  if (cfg.max_deliver !== undefined) src.maxDeliver = cfg.max_deliver
  return src
}

/**
 * The JetStream client: it only moves messages; the shared flow decides when to ack, pause and
 * stop. While a message waits in the flow (a pause, a slow output) the broker is told it is still
 * being worked on, so it is not redelivered beside itself.
 */
export function natsAdapter(src: NatsSource, log?: Logger): QueueAdapter {
  const batch = src.batch ?? 100
  const ackWaitMs = src.ackWaitMs ?? 30_000
  const backoff = src.backoff ?? DEFAULT_BACKOFF
  let nc: NatsConnection | undefined
  let loop: Promise<void> | undefined
  let halted = false
  const halting = new AbortController()
  // Deliveries not settled yet, and a wake-up when one settles (or halt comes): a pull waits until
  // half the batch is free, so the broker is asked for runs of messages, not one at a time.
  let held = 0
  let settledOne: (() => void) | undefined
  const wake = () => settledOne?.()
  const refill = Math.ceil(batch / 2)

  // Pull requests of bounded length, never cancelled: a request cancelled while the broker fills it
  // would leave its messages unacked until the ack wait (a stopped instance holding up to `batch`).
  async function run(f: QueueFlow, pull: Consumer): Promise<void> {
    let failures = 0
    while (!halted) {
      while (!halted && held > 0 && batch - held < refill) await new Promise<void>((r) => (settledOne = r))
      await f.ready()
      if (halted) break
      try {
        const fetched = await pull.fetch({ max_messages: Math.max(1, Math.min(FETCH_MAX, batch - held)), expires: FETCH_EXPIRES_MS })
        for await (const msg of fetched) {
          // Fetched after halt() came: back to the broker for another instance at once.
          if (halted) {
            msg.nak()
            continue
          }
          const beat = setInterval(() => msg.working(), Math.max(500, ackWaitMs / 2))
          held++
          void f
            .deliver(toQueueMessage(msg), {
              ack: () => msg.ack(),
              // Output down: the broker keeps it away for the flow's pause; stopping: back at once.
              retry: () => msg.nak(f.stopping ? 0 : pauseMs(backoff, f.stats().failures)),
            })
            .finally(() => {
              clearInterval(beat)
              held--
              wake()
            })
        }
        failures = 0
      } catch (err) {
        // The stream or the consumer is gone, or the server: try again, logging the first failure of a run.
        if (failures++ === 0) log?.warn('nats fetch failed, retrying', { stream: src.stream, durable: src.durable, error: String(err) })
        await abortableSleep(pauseMs(RECONNECT, failures), halting.signal)
      }
    }
  }

  return {
    kind: 'nats',
    async start(f) {
      const conn = await connect({
        servers: typeof src.servers === 'string' ? src.servers : [...src.servers],
        name: `txgate:${src.durable}`,
        // A lost server is reconnected to for as long as it takes; meanwhile the fetch loop retries.
        maxReconnectAttempts: -1,
        ...src.auth,
      })
      let pull: Consumer
      try {
        await ensureDurable(await conn.jetstreamManager(), src, batch, ackWaitMs)
        pull = await conn.jetstream().consumers.get(src.stream, src.durable)
      } catch (err) {
        await conn.close()
        throw err
      }
      nc = conn
      loop = run(f, pull)
    },
    async halt() {
      // The open pull request ends within FETCH_EXPIRES_MS; what it still brings is nak'ed.
      halted = true
      halting.abort()
      wake()
      await loop
    },
    async close() {
      // Acks are fire-and-forget publishes: drain flushes them before the connection goes.
      await nc?.drain().catch(() => undefined)
      nc = undefined
    },
    async lag() {
      if (!nc || nc.isClosed()) return undefined
      const jsm = await nc.jetstreamManager()
      return (await jsm.consumers.info(src.stream, src.durable)).num_pending
    },
  }
}

/** The adapter and the shared flow, started: what `txgate consume` and the gateway run. */
export function startNatsConsumer(src: NatsSource, consumer: QueueConsumer, env: { metrics?: Metrics; log?: Logger } = {}): Promise<RunningQueueSource> {
  return startQueueSource(natsAdapter(src, env.log), consumer, {
    maxInFlight: src.batch ?? 100,
    ...(src.maxBytes ? { maxBytes: src.maxBytes } : {}),
    backoff: src.backoff ?? DEFAULT_BACKOFF,
    ...env,
  })
}

/** Creates the durable consumer, or brings an existing one to these limits (a second bound behind the pulls'). */
async function ensureDurable(jsm: JetStreamManager, src: NatsSource, batch: number, ackWaitMs: number): Promise<void> {
  // The pulls keep txgate's side at `batch`; the broker's bound is twice that, because acks still on
  // the wire count there: at exactly `batch` it would short a pull, which then waits out its expiry.
  const limits = { ack_wait: nanos(ackWaitMs), max_ack_pending: 2 * batch, max_deliver: src.maxDeliver ?? -1 }
  const existing = await jsm.consumers.info(src.stream, src.durable).catch((err: unknown) => {
    if (isNotFound(err)) return null
    throw err
  })
  if (existing) {
    await jsm.consumers.update(src.stream, src.durable, limits)
    return
  }
  const cfg: Partial<ConsumerConfig> = { durable_name: src.durable, ack_policy: AckPolicy.Explicit, ...limits }
  if (src.filterSubject) cfg.filter_subject = src.filterSubject
  await jsm.consumers.add(src.stream, cfg)
}

function toQueueMessage(msg: JsMsg): QueueMessage {
  const headers: Record<string, string> = {}
  if (msg.headers) for (const [k, v] of msg.headers) if (v.length > 0) headers[k.toLowerCase()] = v.join(', ')
  const info = msg.info
  return {
    body: new Uint8Array(msg.data),
    headers,
    position: { stream: info.stream, subject: msg.subject, stream_seq: info.streamSequence, deliveries: info.redeliveryCount },
    redelivered: msg.redelivered,
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; code?: string | number }
  // 10014: consumer not found (JetStream API error code).
  return e.api_error?.err_code === 10014 || String(e.code) === '404'
}

/** The flow's current pause (its backoff after `failures` retries in a row), as the nak delay. */
function pauseMs(b: { baseMs: number; maxMs: number }, failures: number): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30))
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
