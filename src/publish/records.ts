/** @module Messages → Kafka records with DESIGN's key and headers. */
import type { DlqMessage, TransactionMessage } from '../message/schema.ts'
import type { KafkaRecord } from './types.ts'

export function transactionRecord(
  topic: string,
  m: TransactionMessage,
  traceparent: string,
  tracestate?: string,
): KafkaRecord {
  return {
    topic,
    key: `${m.provider}:${m.transaction_id}`,
    headers: withTenant(recordHeaders(m.event_id, m.provider, m.source, m.schema_version, traceparent, tracestate), m.tenant_id),
    value: m,
  }
}

export function dlqRecord(
  topic: string,
  m: DlqMessage,
  traceparent: string,
  tracestate?: string,
  tenantId: string | null = null,
): KafkaRecord {
  return {
    topic,
    key: `${m.provider}:${m.idempotency_key ?? m.event_id}`,
    headers: withTenant(recordHeaders(m.event_id, m.provider, m.source, m.schema_version, traceparent, tracestate), tenantId),
    value: m,
  }
}

/** DESIGN's record headers, in this order (the batch path's line template relies on it). */
export function recordHeaders(
  eventId: string,
  provider: string,
  source: string,
  schemaVersion: string,
  traceparent: string,
  tracestate: string | undefined,
): Record<string, string> {
  return {
    event_id: eventId,
    provider,
    source,
    schema_version: schemaVersion,
    traceparent,
    // W3C Trace Context: vendors' state travels with the traceparent it belongs to.
    ...(tracestate ? { tracestate } : {}),
    'content-type': 'application/json',
  }
}

/**
 * DESIGN: `tenant_id` travels in the message and its headers — a `tenant_id` header when there is
 * one, so consumers can route or filter without parsing. The key stays `{provider}:{transaction_id}`.
 */
function withTenant(headers: Record<string, string>, tenantId: string | null): Record<string, string> {
  return tenantId === null ? headers : { ...headers, tenant_id: tenantId }
}
