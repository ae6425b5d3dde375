/** @module Messages → Kafka records with DESIGN's key and headers. */
import type { DlqMessage, TransactionMessage } from '../message/schema.ts'
import type { KafkaRecord } from './types.ts'

export function transactionRecord(topic: string, m: TransactionMessage, traceparent: string): KafkaRecord {
  return {
    topic,
    key: `${m.provider}:${m.transaction_id}`,
    headers: headers(m.event_id, m.provider, m.source, m.schema_version, traceparent),
    value: m,
  }
}

export function dlqRecord(topic: string, m: DlqMessage, traceparent: string): KafkaRecord {
  return {
    topic,
    key: `${m.provider}:${m.idempotency_key ?? m.event_id}`,
    headers: headers(m.event_id, m.provider, m.source, m.schema_version, traceparent),
    value: m,
  }
}

function headers(
  eventId: string,
  provider: string,
  source: string,
  schemaVersion: string,
  traceparent: string,
): Record<string, string> {
  return {
    event_id: eventId,
    provider,
    source,
    schema_version: schemaVersion,
    traceparent,
    'content-type': 'application/json',
  }
}
