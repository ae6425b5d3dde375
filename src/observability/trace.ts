/** @module W3C Trace Context: accept a valid `traceparent`, mint one when absent or invalid. */
import { toHex } from '../auth/encoding.ts'
import { randomBytes } from '../message/random-pool.ts'

export type TraceContext = {
  traceId: string
  spanId: string
  traceparent: string
  tracestate?: string
}

// https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

export function traceFrom(headers: Headers): TraceContext {
  const m = TRACEPARENT.exec(headers.get('traceparent')?.trim() ?? '')
  const valid = m && m[1] !== 'ff' && !/^0+$/.test(m[2] ?? '') && !/^0+$/.test(m[3] ?? '')
  const traceId = valid && m[2] ? m[2] : randomHex(16)
  const flags = valid && m[4] ? m[4] : '01'
  // This hop is a new span, child of the caller's.
  const spanId = randomHex(8)
  // tracestate only means something beside the traceparent it belongs to.
  const tracestate = valid ? validTracestate(headers.get('tracestate')) : undefined
  return {
    traceId,
    spanId,
    traceparent: `00-${traceId}-${spanId}-${flags}`,
    ...(tracestate ? { tracestate } : {}),
  }
}

// https://www.w3.org/TR/trace-context/#tracestate-header: at most 32 `key=value` members of
// printable ASCII; 512 characters is what a platform must at least propagate. Anything else is
// dropped whole rather than passed on half-understood.
const TRACESTATE_MEMBER =
  /^[a-z0-9][a-z0-9_*\/@-]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/

function validTracestate(raw: string | null): string | undefined {
  if (!raw || raw.length > 512) return undefined
  const members = raw
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
  if (members.length === 0 || members.length > 32) return undefined
  return members.every((m) => TRACESTATE_MEMBER.test(m)) ? members.join(',') : undefined
}

function randomHex(bytes: number): string {
  return toHex(randomBytes(bytes))
}
