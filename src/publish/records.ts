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
    headers: recordHeaders(m.event_id, m.provider, m.source, m.schema_version, traceparent, tracestate),
    value: m,
  }
}

export function dlqRecord(topic: string, m: DlqMessage, traceparent: string, tracestate?: string): KafkaRecord {
  return {
    topic,
    key: `${m.provider}:${m.idempotency_key ?? m.event_id}`,
    headers: recordHeaders(m.event_id, m.provider, m.source, m.schema_version, traceparent, tracestate),
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
