/** @module Environment → Config: every knob with its default, validated once at start. */
import { z } from 'zod'
import type { RateLimitRule } from './provider/types.ts'
import { loadPublishConfig, type PublishConfig } from './publish/config.ts'

export type Settings = Readonly<Record<string, string | undefined>>

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback)

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  TXGATE_BODY_LIMIT: int(1024 * 1024),
  TXGATE_SPOOL_DIR: z.string().min(1).default('./data/spool'),
  TXGATE_SPOOL_MAX_BYTES: int(1024 * 1024 * 1024),
  TXGATE_TOPIC_REALTIME: z.string().min(1).default('transactions.realtime'),
  TXGATE_TOPIC_BATCH: z.string().min(1).default('transactions.batch'),
  TXGATE_TOPIC_DLQ: z.string().min(1).default('transactions.dlq'),
  TXGATE_IDEMPOTENCY_TTL: int(24 * 3600),
  TXGATE_INFLIGHT_TTL: int(30),
  TXGATE_TENANT_ID: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be redis:// or rediss://')
    .optional(),
  /** `host:port,host:port`: seed nodes of a Redis Cluster (used instead of REDIS_URL). */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
  TXGATE_REDIS_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  TXGATE_REDIS_PREFIX: z.string().default('txgate:'),
  TXGATE_FAIL_CLOSED: z.string().default(''),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
})

export type Config = {
  port: number
  bodyLimit: number
  spoolDir: string
  spoolMaxBytes: number
  topics: { realtime: string; batch: string; dlq: string }
  idempotencyTtlMs: number
  inFlightTtlMs: number
  tenantId: string | null
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Kafka transport (KAFKA_BROKERS, KAFKA_REST_URL, or neither: the spool), time bound, breaker. */
  publish: PublishConfig
  /**
   * Where idempotency and rate-limit state lives: REDIS_CLUSTER_NODES or REDIS_URL (TCP), else UPSTASH_REDIS_REST_URL
   * with _TOKEN (REST; the token stays in settings), else this process's memory.
   */
  store: { backend: 'memory' | 'redis' | 'upstash'; timeoutMs: number | undefined; prefix: string }
  /** TXGATE_FAIL_CLOSED lists it (or `*`): 503 instead of going on unguarded when the store fails. */
  failClosed(providerId: string): boolean
  /** Per provider id: TXGATE_RATE_LIMIT_<ID>, parsed. */
  rateLimit(providerId: string, fallback: RateLimitRule): RateLimitRule
  /** Per provider id: TXGATE_TOLERANCE_<ID> in seconds. */
  toleranceSec(providerId: string): number | undefined
}

export class ConfigError extends Error {}

export function loadConfig(settings: Settings): Config {
  const parsed = ConfigSchema.safeParse(settings)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ConfigError(`invalid configuration: ${issues}`)
  }
  const c = parsed.data
  const rateLimits = new Map<string, RateLimitRule>()
  for (const [name, value] of Object.entries(settings)) {
    if (!name.startsWith('TXGATE_RATE_LIMIT_') || value === undefined) continue
    const rule = parseRateLimit(value)
    if (!rule) throw new ConfigError(`${name}="${value}" is not like 100/s or 6000/m,burst=200`)
    rateLimits.set(name, rule)
  }
  if (c.UPSTASH_REDIS_REST_URL && !settings['UPSTASH_REDIS_REST_TOKEN']) {
    throw new ConfigError('UPSTASH_REDIS_REST_URL is set without UPSTASH_REDIS_REST_TOKEN')
  }
  const failClosed = new Set(
    c.TXGATE_FAIL_CLOSED.split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  return {
    port: c.PORT,
    bodyLimit: c.TXGATE_BODY_LIMIT,
    spoolDir: c.TXGATE_SPOOL_DIR,
    spoolMaxBytes: c.TXGATE_SPOOL_MAX_BYTES,
    topics: { realtime: c.TXGATE_TOPIC_REALTIME, batch: c.TXGATE_TOPIC_BATCH, dlq: c.TXGATE_TOPIC_DLQ },
    idempotencyTtlMs: c.TXGATE_IDEMPOTENCY_TTL * 1000,
    inFlightTtlMs: c.TXGATE_INFLIGHT_TTL * 1000,
    tenantId: c.TXGATE_TENANT_ID ?? null,
    logLevel: c.LOG_LEVEL,
    publish: loadPublishConfig(settings, (msg) => {
      throw new ConfigError(`invalid configuration: ${msg}`)
    }),
    store: {
      backend: c.REDIS_CLUSTER_NODES || c.REDIS_URL ? 'redis' : c.UPSTASH_REDIS_REST_URL ? 'upstash' : 'memory',
      timeoutMs: c.TXGATE_REDIS_TIMEOUT_MS,
      prefix: c.TXGATE_REDIS_PREFIX,
    },
    failClosed: (id) => failClosed.has(id) || failClosed.has('*'),
    rateLimit: (id, fallback) => rateLimits.get(`TXGATE_RATE_LIMIT_${envSuffix(id)}`) ?? fallback,
    toleranceSec(id) {
      const raw = settings[`TXGATE_TOLERANCE_${envSuffix(id)}`]
      if (raw === undefined) return undefined
      const n = Number(raw)
      if (!Number.isInteger(n) || n < 0) throw new ConfigError(`TXGATE_TOLERANCE_${envSuffix(id)} must be seconds`)
      return n
    },
  }
}

/** Provider id → env var suffix: upper case, `-` → `_`. */
export const envSuffix = (id: string): string => id.toUpperCase().replace(/-/g, '_')

/** `100/s`, `6000/m`, `10/h`, optionally `,burst=200` (default burst: one interval's worth). */
export function parseRateLimit(value: string): RateLimitRule | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)\s*(?:,\s*burst\s*=\s*(\d+)\s*)?$/.exec(value)
  if (!m) return undefined
  const count = Number(m[1])
  const seconds = m[2] === 's' ? 1 : m[2] === 'm' ? 60 : 3600
  const burst = m[3] ? Number(m[3]) : Math.max(1, Math.ceil(count))
  if (count <= 0 || burst <= 0) return undefined
  return { ratePerSec: count / seconds, burst }
}
