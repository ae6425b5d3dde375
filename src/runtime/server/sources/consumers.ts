/**
 * @module sources.yaml's queue sources → running consumers: one webhook handler, consumer core,
 * flow and broker adapter per source. Used by the Node gateway (attach.ts) and `txgate consume`.
 */
import type { Deps } from '../../../deps.ts'
import { planAuth } from '../../../pipeline/authenticate.ts'
import { createVerifyEnv } from '../../../pipeline/verify-env.ts'
import { createWebhookHandler } from '../../../pipeline/webhook.ts'
import type { QueueSourceConfig } from '../../../sources/config.ts'
import { createQueueConsumer, queueHandlerDeps } from '../../../sources/queue/consume.ts'
import { startQueueSource, type QueueAdapter, type RunningQueueSource } from '../../../sources/queue/run.ts'
import { queueSourceOf } from '../../../sources/queue/schema.ts'
import { kafkaAdapter, kafkaSourceFrom } from './kafka.ts'
import { natsAdapter, natsSettings } from './nats.ts'
import { rabbitAdapter, type RabbitSource } from './rabbitmq.ts'

type Settings = Record<string, string | undefined>
type Built = { adapter: QueueAdapter; maxInFlight: number; maxBytes?: number }

/** One row per queue kind: its settings → its adapter and the flow's limits. */
const KINDS: { [K in QueueSourceConfig['kind']]: (s: Extract<QueueSourceConfig, { kind: K }>, settings: Settings, deps: Deps) => Built } = {
  rabbitmq: (s, settings, deps) => ({
    adapter: rabbitAdapter(rabbitSourceFrom(s, settings), deps.log),
    maxInFlight: s.prefetch,
    ...(s.max_bytes ? { maxBytes: s.max_bytes } : {}),
  }),
  kafka: (s, settings, deps) => ({
    adapter: kafkaAdapter(kafkaSourceFrom(s, settings), deps.log),
    maxInFlight: s.max_in_flight,
    maxBytes: s.max_bytes,
  }),
  nats: (s, settings, deps) => ({
    adapter: natsAdapter(natsSettings(s, settings), deps.log),
    maxInFlight: s.batch,
    ...(s.max_bytes ? { maxBytes: s.max_bytes } : {}),
  }),
}

export type RunningConsumers = {
  readonly sources: readonly string[]
  /** Stops every source: stop fetching, finish and settle in-flight messages, close. */
  close(): Promise<void>
}

/** What stops a source from starting at all (not a broker being down, which is retried). */
export function checkQueueSource(src: QueueSourceConfig, deps: Deps): void {
  const provider = deps.registry.get(src.provider)
  if (!provider) throw new Error(`source "${src.name}": no provider "${src.provider}"`)
  if (src.verify.type === 'hmac' && !deps.settings[src.verify.secret_env]) {
    throw new Error(`source "${src.name}": ${src.verify.secret_env} (verify.secret_env) is not set`)
  }
  if (src.verify.type === 'provider') {
    const ok = src.tenant
      ? createWebhookHandler(deps).servesTenant(src.provider, src.tenant)
      : planAuth(provider, createVerifyEnv(deps.settings, deps.fetch, undefined)).configured
    if (!ok) {
      throw new Error(`source "${src.name}": provider "${src.provider}" has no secret configured${src.tenant ? ` for tenant "${src.tenant}"` : ''} (verify: provider checks its signature on each message; or set verify: { type: hmac | none })`)
    }
  }
}

/** Starts one source (connects, consumes); rejects when the broker cannot be reached. */
export async function startQueueConsumer(src: QueueSourceConfig, deps: Deps): Promise<RunningQueueSource> {
  checkQueueSource(src, deps)
  const source = queueSourceOf(src.name, src.kind, src)
  const own = queueHandlerDeps(deps, source)
  const consumer = createQueueConsumer(own, createWebhookHandler(own), source)
  const built = (KINDS[src.kind] as (s: QueueSourceConfig, settings: Settings, deps: Deps) => Built)(src, deps.settings, deps)
  return startQueueSource(built.adapter, consumer, {
    maxInFlight: built.maxInFlight,
    ...(built.maxBytes ? { maxBytes: built.maxBytes } : {}),
    backoff: { baseMs: src.backoff.base_ms, maxMs: src.backoff.max_ms },
    log: deps.log,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  })
}

/**
 * Starts every queue source. A configuration problem throws at once; a broker that cannot be
 * reached is retried in the background with backoff (a partner's outage must not stop the gateway).
 */
export async function startQueueConsumers(sources: readonly QueueSourceConfig[], deps: Deps): Promise<RunningConsumers> {
  for (const s of sources) checkQueueSource(s, deps)
  const running = new Map<string, RunningQueueSource>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let closing = false
  const attempt = async (src: QueueSourceConfig, n: number): Promise<void> => {
    try {
      const r = await startQueueConsumer(src, deps)
      if (closing) return void (await r.stop())
      running.set(src.name, r)
    } catch (err) {
      if (closing) return
      const wait = Math.min(60_000, 1000 * 2 ** Math.min(n, 6))
      deps.log.error('queue source could not start, retrying', { source: src.name, kind: src.kind, error: String(err), retry_in_ms: wait })
      const t = setTimeout(() => {
        timers.delete(t)
        void attempt(src, n + 1)
      }, wait)
      timers.add(t)
    }
  }
  const starting = sources.map((s) => attempt(s, 0))
  await Promise.all(starting)
  return {
    sources: sources.map((s) => s.name),
    async close() {
      closing = true
      for (const t of timers) clearTimeout(t)
      await Promise.all([...running.values()].map((r) => r.stop()))
    },
  }
}

function rabbitSourceFrom(s: Extract<QueueSourceConfig, { kind: 'rabbitmq' }>, settings: Settings): RabbitSource {
  let url: string
  if (s.url_env) {
    const v = settings[s.url_env]
    if (!v) throw new Error(`${s.url_env} (url_env) is not set`)
    url = v
  } else {
    const u = new URL(s.url as string)
    if (s.username_env) u.username = settings[s.username_env] ?? ''
    if (s.password_env) u.password = settings[s.password_env] ?? ''
    url = u.toString()
  }
  return {
    url,
    exchange: s.exchange,
    exchangeType: s.exchange_type,
    declareExchange: s.declare_exchange,
    queue: s.queue,
    routingKeys: s.routing_keys,
    ...(s.queue_arguments ? { queueArguments: s.queue_arguments } : {}),
    prefetch: s.prefetch,
    ...(s.max_bytes ? { maxBytes: s.max_bytes } : {}),
  }
}
