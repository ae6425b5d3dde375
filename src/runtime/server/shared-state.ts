/** @module Settings → the idempotency store and rate limiter: Redis (TCP), Upstash (REST) or memory. */
import type { Config, Settings } from '../../config.ts'
import type { Logger } from '../../observability/log.ts'
import { createMemoryLimiter, createMemoryStore } from '../../store/memory.ts'
import type { Limiter, Store } from '../../store/types.ts'
import { createUpstashStore } from '../../store/upstash.ts'
import { openRedisStore } from './redis-store.ts'

export type SharedState = { store: Store; limiter: Limiter; close(): Promise<void> }

// How long start-up waits for Redis before serving anyway (failing open until it answers).
const CONNECT_WAIT_MS = 2000

export async function openSharedState(
  config: Config,
  settings: Settings,
  log: Logger,
  clock: () => number,
): Promise<SharedState> {
  const { backend, prefix, timeoutMs } = config.store
  if (backend === 'redis') {
    const redis = await openRedisStore({
      url: settings['REDIS_URL'] ?? '',
      ...(settings['REDIS_CLUSTER_NODES'] ? { clusterNodes: settings['REDIS_CLUSTER_NODES'].split(',') } : {}),
      prefix,
      ...(timeoutMs ? { timeoutMs } : {}),
      onError: (error) => log.warn('redis connection error', { error }),
    })
    if (!(await redis.connected(CONNECT_WAIT_MS))) {
      log.warn('redis not reachable at start; serving, failing open until it answers')
    }
    // One object is both ports, so the pipeline limits and claims in one round trip.
    return { store: redis, limiter: redis, close: () => redis.close() }
  }
  if (backend === 'upstash') {
    const upstash = createUpstashStore({
      url: settings['UPSTASH_REDIS_REST_URL'] ?? '',
      token: settings['UPSTASH_REDIS_REST_TOKEN'] ?? '',
      prefix,
      ...(timeoutMs ? { timeoutMs } : {}),
    })
    return { store: upstash, limiter: upstash, close: async () => {} }
  }
  const maxKeys = Number(settings['TXGATE_MEMORY_STORE_MAX_KEYS'])
  const store = createMemoryStore(clock, {
    ...(Number.isInteger(maxKeys) && maxKeys > 0 ? { maxKeys } : {}),
    onEvict: (held) =>
      log.warn('in-process idempotency store full: forgetting its oldest keys before their TTL (set REDIS_URL, or raise TXGATE_MEMORY_STORE_MAX_KEYS)', { held }),
  })
  return { store, limiter: createMemoryLimiter(), close: async () => {} }
}
