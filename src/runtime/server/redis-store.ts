/**
 * @module Redis over TCP (ioredis) for server runtimes: the shared Store + Limiter, enabled by
 * REDIS_URL. Every call is bounded by a short timeout (default 50 ms) and never queued while
 * disconnected, so a slow or dead Redis costs a request at most the timeout, then fails open.
 */
import type { Cluster, Redis as RedisClient } from 'ioredis'
import { createRedisState, type RedisState } from '../../store/redis-state.ts'

export const DEFAULT_REDIS_TIMEOUT_MS = 50

export type RedisStoreOptions = {
  url: string
  /**
   * `host:port` seeds of a Redis Cluster, used instead of `url`. Every script txgate runs touches
   * keys of one hash tag (`{stripe}`, `{stripe/acme}`, `{batch}`), so each runs on one node.
   */
  clusterNodes?: readonly string[]
  /** Key prefix, e.g. `txgate:`. */
  prefix: string
  timeoutMs?: number
  /** Connection errors, already throttled to one per reconnect cycle. */
  onError?: (message: string) => void
}

export type RedisStore = RedisState & {
  /** Resolves true once connected, false if not connected within `waitMs` (it keeps retrying). */
  connected(waitMs: number): Promise<boolean>
  close(): Promise<void>
}

/**
 * ioredis is imported here, when a store is opened, not with this module, so processes that never
 * use it (the CLI, a batch ingest, a gateway on the in-process store) do not load it. With kafkajs
 * loaded the same way, `txgate --help` went from 95 to 84 MB of RSS (median of 6).
 */
export async function openRedisStore(opts: RedisStoreOptions): Promise<RedisStore> {
  const { Redis, Cluster: ClusterClient } = await import('ioredis')
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS
  const options = {
    // Fail at once while disconnected instead of queueing behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1000, timeoutMs),
    // Reconnect forever, backing off to 2 s: Redis coming back ends the fail-open period by itself.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    // Written at once, not on the next setImmediate: the timeout then measures Redis, not our queue.
    enableAutoPipelining: false,
    lazyConnect: true,
    // A Redis that accepts but never answers: drop the socket, fail what waits, reconnect.
    socketTimeout: Math.max(1000, 20 * timeoutMs),
  }
  const redis: RedisClient | Cluster = opts.clusterNodes
    ? new ClusterClient(opts.clusterNodes.map(seed), {
        redisOptions: options,
        enableOfflineQueue: false,
        lazyConnect: true,
        clusterRetryStrategy: options.retryStrategy,
        // After a failover the slot map changes: MOVED replies are followed, a few times at most.
        maxRedirections: 4,
        retryDelayOnFailover: 50,
        // A dead master's slots move to its replica: re-read the slot map every second, not only on MOVED.
        slotsRefreshInterval: 1000,
      })
    : new Redis(opts.url, options)
  let lastError = ''
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return
    lastError = err.message
    opts.onError?.(err.message)
  })
  redis.on('ready', () => {
    lastError = ''
  })
  redis.connect().catch(() => {
    // The 'error' listener reports it; retryStrategy keeps reconnecting.
  })

  const bounded = <T>(p: Promise<T>): Promise<T> => withTimeout(p, timeoutMs)
  const state = createRedisState(
    {
      evalsha: (sha1, keys, args) => bounded(redis.evalsha(sha1, keys.length, ...keys, ...args)),
      eval: (source, keys, args) => bounded(redis.eval(source, keys.length, ...keys, ...args)),
      async set(key, value, ttlMs) {
        await bounded(redis.set(key, value, 'PX', ttlMs))
      },
      async ping() {
        await bounded(redis.ping())
      },
      failure: (err) => (err instanceof RedisTimeout ? 'timeout' : 'down'),
    },
    {
      kind: 'redis',
      prefix: opts.prefix,
      target: opts.clusterNodes ? `cluster ${opts.clusterNodes.join(',')}` : redactUrl(opts.url),
    },
  )

  return {
    ...state,
    async connected(waitMs) {
      if (redis.status === 'ready') return true
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          redis.off('ready', onReady)
          resolve(false)
        }, waitMs)
        const onReady = () => {
          clearTimeout(timer)
          resolve(true)
        }
        redis.once('ready', onReady)
      })
    },
    async close() {
      redis.disconnect()
    },
  }
}

function seed(hostPort: string): { host: string; port: number } {
  const at = hostPort.lastIndexOf(':')
  return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) }
}

export class RedisTimeout extends Error {
  override readonly name = 'RedisTimeout'
}

/**
 * Rejects when `p` has not settled after `ms`, but only once the I/O already received has been
 * read: when this process was busy past the deadline (a burst of signature checks, a GC pause),
 * Redis's answer may be waiting in the socket, and that delay was ours, not Redis's. Timers run
 * before the poll phase reads sockets, and setImmediate runs after it. (ioredis's commandTimeout
 * rejects in the timers phase, so a loaded process failed open with the answer already there.)
 */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      setImmediate(() => reject(new RedisTimeout(`Redis did not answer within ${ms} ms`)))
    }, ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`: /ready never shows a password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'redis (unparseable URL)'
  }
}
