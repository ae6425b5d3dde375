/** @module Queue consumer core (broker-independent): one message → the webhook pipeline → ack, DLQ+ack, or nack and back off. */
import type { Deps } from '../../deps.ts'
import { GatewayError } from '../../errors.ts'
import { SCHEMA_VERSION, type DlqMessage } from '../../message/schema.ts'
import { uuidv7 } from '../../message/uuidv7.ts'
import { traceFrom } from '../../observability/trace.ts'
import type { WebhookHandler } from '../../pipeline/webhook.ts'
import { dlqRecord } from '../../publish/records.ts'

/** One broker message, as an adapter hands it over. */
export type QueueMessage = {
  body: Uint8Array<ArrayBuffer>
  /** The producer's headers (signature, event id…), lower-cased names. */
  headers: Record<string, string>
  /** Where it sits in the broker, for audit: exchange/routing key/delivery tag, topic/partition/offset, stream/seq. */
  position: Record<string, string | number>
  redelivered: boolean
}

/** What the adapter must do with the message. `retry`: do not ack (nack+requeue / no commit) and pause. */
export type Verdict =
  | { action: 'ack'; outcome: 'published' | 'duplicate' | 'ignored' | 'dlq'; reason?: string }
  | { action: 'retry'; reason: string }

export type QueueSource = { name: string; provider: string; tenant?: string }

export type QueueConsumer = { process(m: QueueMessage): Promise<Verdict> }

/**
 * The message goes through the same handler as a webhook (verification, normalization, dedupe,
 * durable publish), so a queue source cannot drift from the webhook path. A 4xx answer (bad
 * signature, not JSON, wrong shape) becomes a DLQ record with the reason; a 5xx (the output is
 * down) is `retry`, never an ack.
 */
export function createQueueConsumer(deps: Deps, handler: WebhookHandler, source: QueueSource): QueueConsumer {
  return {
    async process(m) {
      const headers = new Headers(m.headers)
      const req = new Request(`http://queue.invalid/webhooks/v1/${source.provider}/events`, {
        method: 'POST',
        headers,
        body: m.body,
      })
      const trace = traceFrom(headers)
      try {
        const result = await handler.handle(source.provider, req, trace, source.tenant)
        const kinds = result.items.map((i) => i.kind)
        if (kinds.includes('accepted')) return { action: 'ack', outcome: 'published' }
        if (kinds.includes('dlq')) return { action: 'ack', outcome: 'dlq' }
        if (kinds.includes('duplicate')) return { action: 'ack', outcome: 'duplicate' }
        return { action: 'ack', outcome: 'ignored' }
      } catch (err) {
        const status = err instanceof GatewayError ? err.status : 500
        const reason = err instanceof Error ? err.message : String(err)
        // 409 in flight: another consumer holds the claim; retry later, do not DLQ.
        if (status >= 500 || status === 409 || status === 429) return { action: 'retry', reason }
        try {
          await deps.publisher.publish([dlqRecord(deps.config.topics.dlq, dlqOf(source, m, reason, trace.traceId), trace.traceparent)])
        } catch (e) {
          return { action: 'retry', reason: `DLQ publish failed: ${e instanceof Error ? e.message : String(e)}` }
        }
        return { action: 'ack', outcome: 'dlq', reason }
      }
    },
  }
}

function dlqOf(source: QueueSource, m: QueueMessage, reason: string, traceId: string): DlqMessage {
  const now = Date.now()
  const text = new TextDecoder().decode(m.body)
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
    raw: text,
    location: { queue_source: source.name, ...m.position },
  }
}
