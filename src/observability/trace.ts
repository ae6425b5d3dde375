/** @module W3C Trace Context: accept a valid `traceparent`, mint one when absent or invalid. */
import { toHex } from '../auth/encoding.ts'

export type TraceContext = { traceId: string; spanId: string; traceparent: string; tracestate?: string }

// https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

export function traceFrom(headers: Headers): TraceContext {
  const m = TRACEPARENT.exec(headers.get('traceparent')?.trim() ?? '')
  const valid = m && m[1] !== 'ff' && !/^0+$/.test(m[2] ?? '') && !/^0+$/.test(m[3] ?? '')
  const traceId = valid && m[2] ? m[2] : randomHex(16)
  const flags = valid && m[4] ? m[4] : '01'
  // This hop is a new span, child of the caller's.
  const spanId = randomHex(8)
  const tracestate = valid ? headers.get('tracestate') ?? undefined : undefined
  return {
    traceId,
    spanId,
    traceparent: `00-${traceId}-${spanId}-${flags}`,
    ...(tracestate ? { tracestate } : {}),
  }
}

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes)
  crypto.getRandomValues(b)
  return toHex(b)
}
