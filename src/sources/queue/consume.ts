/** @module Queue consumer core (broker-independent): one message → the webhook pipeline → ack, DLQ+ack, or retry. */
import type { RequestScheme } from '../../auth/types.ts'
import { verifyRequest } from '../../auth/verify.ts'
import type { Deps } from '../../deps.ts'
import { GatewayError, Unauthorized } from '../../errors.ts'
import { SCHEMA_VERSION, type DlqMessage } from '../../message/schema.ts'
import { uuidv7 } from '../../message/uuidv7.ts'
import { auditError } from '../../observability/audit.ts'
import { NO_METRICS } from '../../observability/metrics.ts'
import { traceFrom } from '../../observability/trace.ts'
import type { HandleOptions, WebhookHandler } from '../../pipeline/webhook.ts'
import { createVerifyEnv } from '../../pipeline/verify-env.ts'
import { dlqRecord } from '../../publish/records.ts'

/** One broker message, as an adapter hands it over. */
export type QueueMessage = {
  body: Uint8Array<ArrayBuffer>
  /** The producer's headers (signature, event id…), lower-cased names. */
  headers: Record<string, string>
  /**
   * Where it sits in the broker, for audit: exchange/routing_key/delivery_tag (RabbitMQ),
   * topic/partition/offset (Kafka), stream/subject/stream_seq (NATS). Each key becomes a
   * `queue_<key>` header on the published record.
   */
  position: Record<string, string | number>
  redelivered: boolean
}

/**
 * What the adapter must do with the message. `retry`: do not ack (nack+requeue / no commit); the
 * flow pauses, unless `scope` is `message` (another copy of it is in flight): then only that
 * message waits a little before it is handed back.
 */
export type Verdict =
  | { action: 'ack'; outcome: 'published' | 'duplicate' | 'ignored' | 'dlq'; reason?: string }
  | { action: 'retry'; reason: string; scope?: 'output' | 'message' }

/** How a source's messages are authenticated before the pipeline sees them. */
export type QueueVerify =
  /** The provider's own schemes over the message's headers (a producer forwarding the webhook's headers). */
  | { type: 'provider' }
  /** An HMAC the producer puts in a message header; `secret` names the setting that holds the key(s). */
  | { type: 'hmac'; header: string; secret: string; hash?: 'SHA-256' | 'SHA-512' | 'SHA-1'; encoding?: 'hex' | 'base64'; prefix?: string }
  /** None: the broker's own authentication (user, TLS) is trusted. */
  | { type: 'none' }

export type QueueSource = {
  name: string
  provider: string
  /** The broker kind (`rabbitmq`, `kafka`, `nats`), recorded as the `queue_kind` header. */
  kind?: string
  tenant?: string
  /** Default `{ type: 'provider' }`. */
  verify?: QueueVerify
}

export type QueueConsumer = {
  /** What createQueueConsumer was given (absent in a hand-made consumer: the flow is then named "queue"). */
  readonly source?: QueueSource
  process(m: QueueMessage): Promise<Verdict>
}

// A queue is drained at the pace the prefetch allows: the webhooks' rate limit is not its business.
const UNLIMITED = { ratePerSec: 1e9, burst: 1e9 }

/**
 * The message goes through the same handler as a webhook (verification, normalization, dedupe,
 * durable publish), so a queue source cannot drift from the webhook path. A 4xx answer (bad
 * signature, not JSON, wrong shape) becomes a DLQ record with the reason; a 5xx (the output is
 * down) is `retry`, never an ack.
 */
export function createQueueConsumer(deps: Deps, handler: WebhookHandler, source: QueueSource): QueueConsumer {
  const verify = source.verify ?? { type: 'provider' }
  const metrics = deps.metrics ?? NO_METRICS
  const own = ownScheme(verify)
  const env = createVerifyEnv(deps.settings, deps.fetch, undefined, undefined, deps.hmac)
  // The provider's own check of a tenant's message uses that tenant's secrets (its webhook route);
  // with the source's own check, the tenant is the source's (queueHandlerDeps).
  const tenantRoute = verify.type === 'provider' ? source.tenant : undefined
  const tenantId = source.tenant ?? deps.config.tenantId

  return {
    source,
    async process(m) {
      const headers = new Headers(m.headers)
      const url = `http://queue.invalid/webhooks/v1/${source.provider}/events`
      const trace = traceFrom(headers)
      const extra = positionHeaders(source, m)
      const opts: HandleOptions = {
        headers: extra,
        verified: verify.type !== 'provider',
        limit: { client: `queue:${source.name}`, rule: UNLIMITED },
      }
      try {
        if (own) {
          const v = await verifyRequest(own, { body: m.body, headers, url, now: deps.clock() }, env)
          if (!v.ok) throw v.error
        }
        const req = new Request(url, { method: 'POST', headers, body: m.body })
        const result = await handler.handle(source.provider, req, trace, tenantRoute, opts)
        const kinds = result.items.map((i) => i.kind)
        if (kinds.includes('accepted')) return { action: 'ack', outcome: 'published' }
        if (kinds.includes('dlq')) return { action: 'ack', outcome: 'dlq' }
        if (kinds.includes('duplicate')) return { action: 'ack', outcome: 'duplicate' }
        return { action: 'ack', outcome: 'ignored' }
      } catch (err) {
        const status = err instanceof GatewayError ? err.status : 500
        const reason = err instanceof Unauthorized ? `unauthorized: ${err.reason} (${err.why})` : err instanceof Error ? err.message : String(err)
        // 409 in flight: another copy holds the claim (a redelivery racing its first copy); retry it later, do not DLQ.
        if (status === 409) return { action: 'retry', reason, scope: 'message' }
        if (status >= 500 || status === 429) return { action: 'retry', reason }
        if (err instanceof GatewayError) {
          auditError(deps.log, err, { requestId: trace.spanId, route: 'queue', provider: source.provider, ip: undefined, forwardedFor: undefined, ...(source.tenant ? { tenant: source.tenant } : {}) })
          if (err instanceof Unauthorized) metrics.count('txgate_queue_security_events_total', { source: source.name })
        }
        const record = dlqRecord(deps.config.topics.dlq, dlqOf(source, m, reason, trace.traceId, deps.clock()), trace.traceparent, trace.tracestate, tenantId)
        try {
          await deps.publisher.publish([{ ...record, headers: { ...extra, ...record.headers } }])
        } catch (e) {
          return { action: 'retry', reason: `DLQ publish failed: ${e instanceof Error ? e.message : String(e)}` }
        }
        deps.log.warn('queue message sent to the DLQ', { source: source.name, provider: source.provider, reason, ...m.position })
        return { action: 'ack', outcome: 'dlq', reason }
      }
    },
  }
}

/**
 * The deps to build a source's webhook handler from: a tenant the source names is every
 * message's `tenant_id` when the source checks the messages itself (`verify` hmac or none).
 */
export function queueHandlerDeps<D extends Deps>(deps: D, source: QueueSource): D {
  if (!source.tenant || (source.verify ?? { type: 'provider' }).type === 'provider') return deps
  return { ...deps, config: { ...deps.config, tenantId: source.tenant } }
}

/** `queue_source`, `queue_kind`, `queue_<position key>`, `queue_redelivered`: the record's audit trail. */
export function positionHeaders(source: Pick<QueueSource, 'name' | 'kind'>, m: Pick<QueueMessage, 'position' | 'redelivered'>): Record<string, string> {
  const out: Record<string, string> = { queue_source: source.name }
  if (source.kind) out['queue_kind'] = source.kind
  for (const [k, v] of Object.entries(m.position)) out[`queue_${k}`] = String(v)
  out['queue_redelivered'] = String(m.redelivered)
  return out
}

function ownScheme(v: QueueVerify): RequestScheme | undefined {
  if (v.type !== 'hmac') return undefined
  return {
    kind: 'hmac',
    header: v.header.toLowerCase(),
    secret: v.secret,
    hash: v.hash ?? 'SHA-256',
    encoding: v.encoding ?? 'hex',
    keyEncoding: 'utf8',
    signed: '{body}',
    ...(v.prefix ? { prefix: v.prefix } : {}),
  }
}

function dlqOf(source: QueueSource, m: QueueMessage, reason: string, traceId: string, now: number): DlqMessage {
  return {
    schema_version: SCHEMA_VERSION,
    event_id: uuidv7(now),
    failed_at: new Date(now).toISOString(),
    provider: source.provider,
    source: 'webhook',
    event_type: null,
    idempotency_key: null,
    trace_id: traceId,
    reason,
    raw: new TextDecoder().decode(m.body),
    location: { queue_source: source.name, ...m.position },
  }
}
