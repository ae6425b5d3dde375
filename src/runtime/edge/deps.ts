/**
 * @module The Worker's dependencies, built once per isolate from its bindings: Upstash (REST) for
 * shared state, the Kafka REST bridge for delivery (through a Cloudflare Queue when one is bound)
 * when configured, and what is missing otherwise.
 */
import { providers } from '../../../providers/index.ts'
import { createBackground } from '../../background.ts'
import { loadConfig, type Settings } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { createLogger } from '../../observability/log.ts'
import { secretValues } from '../../observability/redact.ts'
import { createRegistry } from '../../provider/registry.ts'
import { createMemoryLimiter, createMemoryStore } from '../../store/memory.ts'
import { createUpstashStore } from '../../store/upstash.ts'
import { withTenantSecrets } from '../../tenant/secrets-source.ts'
import { forwardBatch, queuePublisher, retryDelayFrom } from './queue.ts'
import { edgeRest } from './rest.ts'
import { missingPublisher, perIsolateStore } from './unconfigured.ts'
import type { MessageBatch, QueueProducer } from './workers-types.ts'

export type EdgeDeps = Deps & {
  /** Settings the edge needs and does not have, for the start-up log. */
  missing: readonly string[]
  /** Resolves once the background work handed in so far has settled (for `ctx.waitUntil`). */
  drain(): Promise<void>
  pendingWork(): number
  /** The `queue()` consumer: forwards a batch of queued records to the bridge, settling each message. */
  forward(batch: MessageBatch): Promise<void>
}

/** Queue bindings: `queue` buffers accepted events; `dlq` takes what Kafka refuses for good. */
export type EdgeQueues = { queue?: QueueProducer | undefined; dlq?: QueueProducer | undefined }

const STORE_SETTINGS = ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'] as const
const PUBLISHER_SETTINGS = ['KAFKA_REST_URL'] as const

/** Keeps the string bindings (vars and secrets); KV, queues and the like are not settings. */
export function settingsFrom(env: Readonly<Record<string, unknown>>): Settings {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') out[name] = value
  return out
}

export function buildEdgeDeps(given: Settings, sink: (line: string) => void, queues: EdgeQueues = {}): EdgeDeps {
  // No files on the edge: tenants' secrets are `NAME__TENANT` secrets, or one TXGATE_SECRETS document.
  const settings = withTenantSecrets(given)
  const config = loadConfig(settings)
  const clock = (): number => Date.now()
  const log = createLogger(config.logLevel, sink, clock, { secrets: secretValues(settings) })
  const background = createBackground((err) => log.error('background work failed', { error: String(err) }))
  const unset = (names: readonly string[]) => names.filter((n) => !settings[n])

  const missingStore = unset(STORE_SETTINGS)
  const missingPublisherSettings = unset(PUBLISHER_SETTINGS)
  // Upstash over REST when both settings are there: one object is both ports, so the pipeline
  // limits and claims in one HTTP round trip.
  const shared =
    missingStore.length === 0
      ? createUpstashStore({
          url: settings['UPSTASH_REDIS_REST_URL'] ?? '',
          token: settings['UPSTASH_REDIS_REST_TOKEN'] ?? '',
          prefix: config.store.prefix,
          ...(config.store.timeoutMs ? { timeoutMs: config.store.timeoutMs } : {}),
        })
      : undefined
  const store = shared ?? perIsolateStore(createMemoryStore(clock), missingStore)
  const limiter = shared ?? createMemoryLimiter()
  const rest = edgeRest(settings, log)
  const retryDelay = retryDelayFrom(settings)
  // With a queue, 200 means the queue has the event; without one, that the bridge acknowledged it.
  // Without a bridge there is nowhere to forward to, so nothing is accepted into the queue either.
  const publisher = !rest
    ? missingPublisher(missingPublisherSettings)
    : queues.queue
      ? queuePublisher(queues.queue, rest.publisher, log)
      : rest.publisher

  return {
    config,
    settings,
    registry: createRegistry(providers),
    store,
    limiter,
    publisher,
    clock,
    fetch: (input, init) => fetch(input, init),
    log,
    waitUntil: (work) => background.waitUntil(work),
    missing: [...missingStore, ...missingPublisherSettings],
    drain: () => background.drain(),
    pendingWork: () => background.pending,
    forward: (batch) => forwardBatch(batch, { client: rest?.client, dlq: queues.dlq, retryDelay, log }),
  }
}
