/**
 * @module The Worker's dependencies, built once per isolate from its bindings: Upstash (REST) for
 * shared state and the Kafka REST bridge for delivery when configured, and what is missing otherwise.
 */
import { providers } from '../../../providers/index.ts'
import { createBackground } from '../../background.ts'
import { ConfigError, loadConfig, type Settings } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import type { Logger } from '../../observability/log.ts'
import { createLogger } from '../../observability/log.ts'
import { secretValues } from '../../observability/redact.ts'
import { createRegistry } from '../../provider/registry.ts'
import { loadPublishConfig } from '../../publish/config.ts'
import { createKafkaRestPublisher } from '../../publish/kafka-rest.ts'
import type { Publisher } from '../../publish/types.ts'
import { createMemoryLimiter, createMemoryStore } from '../../store/memory.ts'
import { createUpstashStore } from '../../store/upstash.ts'
import { withTenantSecrets } from '../../tenant/secrets-source.ts'
import { missingPublisher, perIsolateStore } from './unconfigured.ts'

export type EdgeDeps = Deps & {
  /** Settings the edge needs and does not have, for the start-up log. */
  missing: readonly string[]
  /** Resolves once the background work handed in so far has settled (for `ctx.waitUntil`). */
  drain(): Promise<void>
  pendingWork(): number
}

const STORE_SETTINGS = ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'] as const
const PUBLISHER_SETTINGS = ['KAFKA_REST_URL'] as const

/** Keeps the string bindings (vars and secrets); KV, queues and the like are not settings. */
export function settingsFrom(env: Readonly<Record<string, unknown>>): Settings {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') out[name] = value
  return out
}

export function buildEdgeDeps(given: Settings, sink: (line: string) => void): EdgeDeps {
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
  const publisher = edgePublisher(settings, log) ?? missingPublisher(missingPublisherSettings)

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
  }
}

// --- Internal helpers ---

/** The Kafka REST bridge over fetch when KAFKA_REST_URL is set: the edge has no disk to spool to. */
function edgePublisher(settings: Settings, log: Logger): Publisher | undefined {
  const fail = (msg: string): never => {
    throw new ConfigError(`invalid configuration: ${msg}`)
  }
  const { transport, timeoutMs, lingerMs } = loadPublishConfig(settings, fail)
  if (transport.kind === 'kafkajs') fail('KAFKA_BROKERS needs TCP, which Workers do not offer: set KAFKA_REST_URL')
  if (transport.kind !== 'rest') return undefined
  const password = settings['KAFKA_REST_PASSWORD']
  const make = (linger: number) =>
    createKafkaRestPublisher({
      url: transport.url,
      api: transport.api,
      ...(transport.clusterId !== undefined && { clusterId: transport.clusterId }),
      ...(transport.username !== undefined && { username: transport.username }),
      ...(password !== undefined && { password }),
      timeoutMs,
      lingerMs: linger,
      fetch: (input, init) => fetch(input, init),
      log,
    })
  const shared = make(lingerMs)
  // workerd cancels a request whose promise another request's I/O settles ("code had hung"), so
  // records of concurrent requests must not share a produce call: one publisher per publish().
  return {
    kind: shared.kind,
    publish: (records) => make(0).publish(records),
    ping: () => shared.ping(),
    close: () => shared.close(),
  }
}
