/** @module Declarative transformations of file values: timestamps → Date, amounts → Amount. */
import type { Amount } from '../message/money.ts'
import { fromUnixMillis, fromUnixSeconds, parseRfc3339, parseTimestamp } from '../message/timestamp.ts'

export type ParseTimestamp = (value: unknown) => Date | undefined
export type ParseAmount = (value: unknown) => Amount | undefined

/** A transformation name from a mapping → the function that applies it. */
export function timestampParser(name: string | undefined): ParseTimestamp {
  if (name?.startsWith('format:')) return customFormat(name.slice('format:'.length))
  switch (name) {
    case 'iso8601':
      return (v) => (v instanceof Date ? v : typeof v === 'string' ? parseRfc3339(v.trim()) : undefined)
    case 'unix_to_iso8601':
      return (v) => numeric(v, fromUnixSeconds)
    case 'unix_millis_to_iso8601':
      return (v) => numeric(v, fromUnixMillis)
    case undefined:
      // Parquet TIMESTAMP columns arrive as Date; text is RFC 3339 or Unix seconds.
      return (v) => (v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? parseTimestamp(v) : undefined)
    default:
      throw new Error(`unknown timestamp transformation "${name}"`)
  }
}

export function amountParser(name: string | undefined): ParseAmount {
  switch (name) {
    case 'keep_as_integer':
      return (v) =>
        typeof v === 'number' ? { minor: v } : typeof v === 'bigint' || typeof v === 'string' ? { minor: String(v) } : undefined
    case 'decimal_to_minor':
    case undefined:
      // A float from Parquet prints as its shortest round-trip decimal ("12.34"); exponents fail later.
      return (v) =>
        typeof v === 'string' ? { decimal: v } : typeof v === 'number' || typeof v === 'bigint' ? { decimal: String(v) } : undefined
    default:
      throw new Error(`unknown amount transformation "${name}"`)
  }
}

// --- Internal helpers ---

function numeric(v: unknown, parse: (n: number | string) => Date | undefined): Date | undefined {
  if (typeof v === 'number' || typeof v === 'string') return parse(typeof v === 'string' ? v.trim() : v)
  if (typeof v === 'bigint') return parse(Number(v))
  return undefined
}

const TOKENS: Record<string, { re: string; part: Part }> = {
  YYYY: { re: '(\\d{4})', part: 'year' },
  MM: { re: '(\\d{2})', part: 'month' },
  DD: { re: '(\\d{2})', part: 'day' },
  HH: { re: '(\\d{2})', part: 'hour' },
  mm: { re: '(\\d{2})', part: 'minute' },
  ss: { re: '(\\d{2})', part: 'second' },
  SSS: { re: '(\\d{3})', part: 'ms' },
}
type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'ms'

/** `DD/MM/YYYY HH:mm:ss` and the like, read as UTC; impossible dates (31/02) are refused. */
function customFormat(format: string): ParseTimestamp {
  const parts: Part[] = []
  const source = format.replace(/YYYY|SSS|MM|DD|HH|mm|ss|[.*+?^${}()|[\]\\]/g, (t) => {
    const token = TOKENS[t]
    if (!token) return '\\' + t
    parts.push(token.part)
    return token.re
  })
  const re = new RegExp(`^${source}$`)
  return (v) => {
    if (typeof v !== 'string') return v instanceof Date ? v : undefined
    const m = re.exec(v.trim())
    if (!m) return undefined
    const p: Record<Part, number> = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }
    parts.forEach((part, i) => (p[part] = Number(m[i + 1])))
    const t = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms)
    const d = new Date(t)
    if (d.getUTCMonth() !== p.month - 1 || d.getUTCDate() !== p.day || p.hour > 23 || p.minute > 59 || p.second > 59) {
      return undefined
    }
    return d
  }
}
