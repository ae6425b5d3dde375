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

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20

/**
 * A transaction record whose `raw_payload` is the JSON text it was parsed from, written into the
 * line as those bytes instead of re-serialized from the parsed object (~4-6 µs per webhook and
 * the garbage of the string). The line is what JSON.stringify of the record gives for a compact
 * body; any other body differs only in whitespace, number spelling and string escapes, and reads
 * back as the same object. Line breaks (JSON allows them only between tokens) become spaces, so
 * the record stays one spool line; a leading byte order mark is left out. `raw_payload` is the
 * message's last field and `value` the record's, so the bytes go just before the two closing braces.
 * Undefined when the record is not a transaction with a raw payload.
 */
export function encodeWithRawJson(r: KafkaRecord, rawJson: Uint8Array): EncodedRecord | undefined {
  const value = r.value
  if (!('raw_payload' in value) || value.raw_payload === undefined) return undefined
  const raw = value.raw_payload
  let text: string
  try {
    // Left out by JSON.stringify while undefined (the message is not copied for it).
    ;(value as { raw_payload?: unknown }).raw_payload = undefined
    text = JSON.stringify({ topic: r.topic, key: r.key, headers: r.headers, value })
  } finally {
    value.raw_payload = raw
  }
  // Headers are flat strings, so the first `},"value":` is where the headers end.
  const valueUnits = text.indexOf('},"value":') + 10
  const at = rawJson[0] === 0xef && rawJson[1] === 0xbb && rawJson[2] === 0xbf ? 3 : 0
  const rawLength = rawJson.length - at
  const headText = `${text.slice(0, -2)},"raw_payload":`
  // A UTF-16 unit is at most 3 UTF-8 bytes; then the raw bytes, two braces and a line feed.
  const out = reserve(headText.length * 3 + rawLength + 3)
  let n = encoder.encodeInto(headText, out).written
  // As many bytes as units: all ASCII, so the value starts at the same index in both.
  const valueAt = n === headText.length ? valueUnits : encoder.encode(text.slice(0, valueUnits)).length
  const rawBytes = out.subarray(n, n + rawLength)
  rawBytes.set(at === 0 ? rawJson : rawJson.subarray(at))
  if (rawBytes.indexOf(LF) >= 0 || rawBytes.indexOf(CR) >= 0) {
    for (let i = 0; i < rawBytes.length; i++) {
      const c = rawBytes[i] as number
      if (c === LF || c === CR) rawBytes[i] = SPACE
    }
  }
  n += rawLength
  out[n++] = 0x7d // }
  out[n++] = 0x7d // }
  out[n] = LF // outside `line`: the spool writes the line and its line feed as one run
  commit(out, n + 1)
  return { topic: r.topic, key: r.key, headers: r.headers, line: out.subarray(0, n), valueAt }
}

// Lines are cut from shared 64 KiB buffers, as Node's allocUnsafe does from its pool: a fresh
// zero-filled ArrayBuffer per record cost ~2 µs, more than the JSON. A buffer is never written
// again once handed out, and is freed with the last line in it.
const POOL_BYTES = 64 * 1024
let pool = new Uint8Array(0)
let poolUsed = 0

function reserve(bytes: number): Uint8Array {
  if (bytes > POOL_BYTES / 4) return new Uint8Array(bytes)
  if (poolUsed + bytes > pool.length) {
    pool = new Uint8Array(POOL_BYTES)
    poolUsed = 0
  }
  return pool.subarray(poolUsed, poolUsed + bytes)
}

function commit(reserved: Uint8Array, used: number): void {
  if (reserved.buffer === pool.buffer) poolUsed = reserved.byteOffset + used
}
