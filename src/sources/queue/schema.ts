/** @module Settings every queue kind shares in sources.yaml: provider, tenant, how messages are verified, backoff. */
import { z } from 'zod'
import type { QueueSourceConfig } from '../config.ts'
import type { QueueSource, QueueVerify } from './consume.ts'

/** An environment variable's NAME (a secret never sits in sources.yaml). */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)')

const VerifySchema = z.discriminatedUnion('type', [
  /** The provider module's own scheme over the message headers (the producer forwards the webhook's headers). */
  z.strictObject({ type: z.literal('provider') }),
  /** An HMAC of the body the producer puts in a message header. */
  z.strictObject({
    type: z.literal('hmac'),
    header: z.string().min(1),
    secret_env: envName,
    hash: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the signature in the header, e.g. `sha256=`. */
    prefix: z.string().optional(),
  }),
  /** Trust the broker's own authentication (its user and TLS): no per-message check. */
  z.strictObject({ type: z.literal('none') }),
])

/** Merged into each queue kind's schema (`.extend(queueCommon)`). */
export const queueCommon = {
  /** The provider module that maps a message body (its event shape); `generic` for flat transactions. */
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  /** Every message's tenant_id; with `verify: provider`, that tenant's own secrets verify it. */
  tenant: z.string().regex(/^[a-z0-9][a-z0-9_]{0,63}$/, 'a tenant id: lower case letters, digits, _').optional(),
  verify: VerifySchema.default({ type: 'provider' }),
  /** Pause while the output is down: base · 2^(failures−1), at most max. */
  backoff: z.strictObject({ base_ms: z.number().int().min(1).default(200), max_ms: z.number().int().min(1).default(30_000) }).default({ base_ms: 200, max_ms: 30_000 }),
}

type QueueCommon = { provider: string; tenant?: string | undefined; verify: z.infer<typeof VerifySchema> }

/** The validated settings → what the portable consumer core takes. */
export function queueSourceOf(name: string, kind: string, s: QueueCommon): QueueSource {
  return { name, kind, provider: s.provider, ...(s.tenant ? { tenant: s.tenant } : {}), verify: verifyOf(s.verify) }
}

function verifyOf(v: z.infer<typeof VerifySchema>): QueueVerify {
  if (v.type !== 'hmac') return v
  const hash = ({ sha256: 'SHA-256', sha512: 'SHA-512', sha1: 'SHA-1' } as const)[v.hash]
  return { type: 'hmac', header: v.header, secret: v.secret_env, hash, encoding: v.encoding, ...(v.prefix ? { prefix: v.prefix } : {}) }
}

/** Where a queue source reads, for `txgate sources`. */
export function describeQueueSource(s: QueueSourceConfig): string {
  if (s.kind === 'rabbitmq') return `${s.exchange || '(default)'} [${s.routing_keys.join(',')}] → ${s.queue}, prefetch ${s.prefetch}`
  if (s.kind === 'nats') return `stream ${s.stream}${s.filter_subject ? ` (${s.filter_subject})` : ''}, durable ${s.durable ?? `txgate-${s.name}`}, batch ${s.batch}`
  return `${s.topics.join(',')} group ${s.group_id}, ${s.brokers.length} broker${s.brokers.length === 1 ? '' : 's'}`
}
