/** @module Outbound records as JSON: a record's value, its whole JSON, and back to objects. */
import type { EncodedRecord, KafkaRecord, OutboundRecord } from './types.ts'

const decoder = new TextDecoder()
const encoder = new TextEncoder()

export const isEncoded = (r: OutboundRecord): r is EncodedRecord => 'line' in r

/** The value as UTF-8 JSON: what Kafka stores as the record's value. */
export function valueBytes(r: OutboundRecord): Uint8Array {
  return isEncoded(r) ? r.line.subarray(r.valueAt, r.line.length - 1) : encoder.encode(JSON.stringify(r.value))
}

/** The value as JSON text. */
export function valueJson(r: OutboundRecord): string {
  return isEncoded(r) ? decoder.decode(valueBytes(r)) : JSON.stringify(r.value)
}

/** The record as one JSON object `{topic, key, headers, value}` (a spool line, without its line feed). */
export function recordJson(r: OutboundRecord): string {
  return isEncoded(r) ? decoder.decode(r.line) : JSON.stringify(r)
}

/** The record with its value as an object (a quarantine entry, a test looking inside). */
export function decodeRecord(r: OutboundRecord): KafkaRecord {
  return isEncoded(r) ? (JSON.parse(recordJson(r)) as KafkaRecord) : r
}
