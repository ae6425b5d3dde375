/** @module Publishing settings: which Kafka transport, time bounds, the breaker; passwords stay in settings. */
import { z } from 'zod'

type Settings = Readonly<Record<string, string | undefined>>

export type KafkaTransport =
  | {
      kind: 'kafkajs'
      brokers: string[]
      clientId: string
      ssl: boolean
      /** The password is read from KAFKA_SASL_PASSWORD when the client is built. */
      sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string }
    }
  | {
      kind: 'rest'
      url: string
      api: 'v3' | 'v2'
      clusterId?: string
      /** The password is read from KAFKA_REST_PASSWORD when the client is built. */
      username?: string
    }
  /** Neither KAFKA_BROKERS nor KAFKA_REST_URL: the spool is the sink. */
  | { kind: 'none' }

export type PublishConfig = {
  transport: KafkaTransport
  /** A publish not acknowledged within this counts as failed; its records go to the spool. */
  timeoutMs: number
  /** How long a lone record waits for others to share its produce call. */
  lingerMs: number
  breaker: { failures: number; cooldownMs: number }
  /** Records per replay call from the spool. */
  replayBatch: number
}

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback)
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).default('false')

const Schema = z.object({
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('txgate'),
  KAFKA_SSL: bool,
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
  KAFKA_REST_API: z.enum(['v3', 'v2']).default('v3'),
  KAFKA_REST_CLUSTER_ID: z.string().min(1).optional(),
  KAFKA_REST_USERNAME: z.string().min(1).optional(),
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).default(2),
  TXGATE_PUBLISH_TIMEOUT_MS: int(5000),
  TXGATE_BREAKER_FAILURES: int(5),
  TXGATE_BREAKER_COOLDOWN_MS: int(5000),
  TXGATE_REPLAY_BATCH: int(500),
})

/** `fail` throws the caller's configuration error. */
export function loadPublishConfig(settings: Settings, fail: (msg: string) => never): PublishConfig {
  // An empty variable (`KAFKA_REST_URL=` in a compose file) means unset.
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== ''))
  const parsed = Schema.safeParse(given)
  if (!parsed.success) {
    fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  }
  const c = parsed.data
  return {
    transport: transport(c, settings, fail),
    timeoutMs: c.TXGATE_PUBLISH_TIMEOUT_MS,
    lingerMs: c.KAFKA_LINGER_MS,
    breaker: { failures: c.TXGATE_BREAKER_FAILURES, cooldownMs: c.TXGATE_BREAKER_COOLDOWN_MS },
    replayBatch: c.TXGATE_REPLAY_BATCH,
  }
}

// --- Internal helpers ---

function transport(
  c: z.infer<typeof Schema>,
  settings: Settings,
  fail: (msg: string) => never,
): KafkaTransport {
  const brokers = (c.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
  if (brokers.length > 0 && c.KAFKA_REST_URL) fail('set KAFKA_BROKERS or KAFKA_REST_URL, not both')
  if (brokers.length > 0) {
    if (c.KAFKA_SASL_MECHANISM && (!c.KAFKA_SASL_USERNAME || !settings['KAFKA_SASL_PASSWORD'])) {
      fail('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD')
    }
    return {
      kind: 'kafkajs',
      brokers,
      clientId: c.KAFKA_CLIENT_ID,
      ssl: ['true', '1', 'yes'].includes(c.KAFKA_SSL),
      ...(c.KAFKA_SASL_MECHANISM && c.KAFKA_SASL_USERNAME
        ? { sasl: { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME } }
        : {}),
    }
  }
  if (c.KAFKA_REST_URL) {
    if (c.KAFKA_REST_API === 'v3' && !c.KAFKA_REST_CLUSTER_ID) {
      fail('KAFKA_REST_URL with the v3 API needs KAFKA_REST_CLUSTER_ID (GET /v3/clusters lists it)')
    }
    return {
      kind: 'rest',
      url: c.KAFKA_REST_URL,
      api: c.KAFKA_REST_API,
      ...(c.KAFKA_REST_CLUSTER_ID ? { clusterId: c.KAFKA_REST_CLUSTER_ID } : {}),
      ...(c.KAFKA_REST_USERNAME ? { username: c.KAFKA_REST_USERNAME } : {}),
    }
  }
  return { kind: 'none' }
}
