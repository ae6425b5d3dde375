/** @module The Kafka REST produce contracts on the wire: Confluent v3 records API and v2 (JSON embedded format). */
import { toBase64, utf8 } from '../auth/encoding.ts'
import type { RecordOutcome } from './errors.ts'
import { valueJson } from './encode.ts'
import type { OutboundRecord } from './types.ts'

export type RestApi = 'v3' | 'v2'

/**
 * v3 `ProduceRequest`. The key goes as BINARY (base64 of its UTF-8 bytes) so Kafka stores the
 * same bytes kafkajs sends for it, and the default partitioner puts it on the same partition;
 * a JSON key would be stored with quotes. Header values are base64 bytes, as the API defines.
 * https://docs.confluent.io/platform/current/kafka-rest/api.html#records-v3
 */
export function v3Json(r: OutboundRecord): string {
  const head = JSON.stringify({
    headers: Object.entries(r.headers).map(([name, value]) => ({
      name,
      value: toBase64(utf8(value)),
    })),
    key: { type: 'BINARY', data: toBase64(utf8(r.key)) },
  })
  // The value is spliced in as text: an encoded record is never parsed back.
  return `${head.slice(0, -1)},"value":{"type":"JSON","data":${valueJson(r)}}}`
}

/**
 * v2 `POST /topics/{topic}` body, `application/vnd.kafka.json.v2+json`. v2 has no record headers:
 * event_id, provider, source, schema_version and trace_id travel inside the value; the JSON
 * embedded format stores the key as a JSON string (with its quotes).
 */
export function v2Body(records: readonly OutboundRecord[]): string {
  const items = records.map((r) => `{"key":${JSON.stringify(r.key)},"value":${valueJson(r)}}`)
  return `{"records":[${items.join(',')}]}`
}

/** v3 answers one `ProduceResponse` per record, concatenated in streaming mode, in request order. */
export function v3Outcomes(text: string, count: number): RecordOutcome[] | undefined {
  const results = parseJsonStream(text)
  if (!results || results.length !== count) return undefined
  return results.map((r) => {
    const { error_code: code, message } = (r ?? {}) as { error_code?: unknown; message?: unknown }
    if (
      code === 200 ||
      (code === undefined && typeof (r as { offset?: unknown }).offset === 'number')
    ) {
      return { ok: true }
    }
    const reason = `${String(code)} ${typeof message === 'string' ? message : ''}`.trim()
    return { ok: false, permanent: typeof code === 'number' && isPermanentStatus(code), reason }
  })
}

/** v2 answers `offsets[]`: error_code null (ok), 1 (non-retriable), 2 (retriable). */
export function v2Outcomes(text: string, count: number): RecordOutcome[] | undefined {
  let body: { offsets?: unknown }
  try {
    body = JSON.parse(text) as { offsets?: unknown }
  } catch {
    return undefined
  }
  if (!Array.isArray(body.offsets) || body.offsets.length !== count) return undefined
  return body.offsets.map((o: { error_code?: unknown; error?: unknown } | null) => {
    const code = o?.error_code ?? null
    if (code === null) return { ok: true }
    const reason = `${String(code)} ${typeof o?.error === 'string' ? o.error : ''}`.trim()
    return { ok: false, permanent: code === 1, reason }
  })
}

/**
 * Statuses (or Confluent's 5-digit codes, e.g. 42201) that blame the record itself: sending it
 * again cannot help. 401/403/404/408/429/5xx blame the bridge or Kafka: retry later.
 */
export function isPermanentStatus(code: number): boolean {
  const status = code >= 10000 ? Math.floor(code / 100) : code
  return status === 400 || status === 413 || status === 422
}

/** The `message` of a REST error body, else the start of the text. */
export function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error_code?: unknown }
    if (typeof body.message === 'string')
      return `${String(body.error_code ?? '')} ${body.message}`.trim()
  } catch {
    // not JSON
  }
  return text.slice(0, 200)
}

/** Splits concatenated JSON values (`{…}{…}` or one per line); undefined if the text is not that. */
export function parseJsonStream(text: string): unknown[] | undefined {
  const out: unknown[] = []
  let depth = 0
  let start = -1
  let inString = false
  let escaped = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      if (depth === 0) return undefined
      inString = true
    } else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i
      depth += 1
    } else if (ch === '}' || ch === ']') {
      depth -= 1
      if (depth < 0) return undefined
      if (depth === 0) {
        try {
          out.push(JSON.parse(text.slice(start, i + 1)))
        } catch {
          return undefined
        }
      }
    } else if (depth === 0 && ch !== undefined && !/\s/.test(ch)) return undefined
  }
  return depth === 0 ? out : undefined
}
