/** @module Provider timestamps → Date: strict RFC 3339, or Unix seconds / milliseconds. */

// RFC 3339 date-time: full date, 'T' (or space, which the RFC allows), time, optional fraction, zone.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** Parses an RFC 3339 string; undefined when it is not one or names an impossible date. */
export function parseRfc3339(value: string): Date | undefined {
  const m = RFC3339.exec(value)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined
  const date = new Date(value.replace(' ', 'T'))
  if (Number.isNaN(date.getTime())) return undefined
  // Reject dates the Date constructor silently rolls over (2023-02-30 → March 2).
  const probe = new Date(Date.UTC(y, mo - 1, d))
  if (probe.getUTCMonth() !== mo - 1) return undefined
  return date
}

/** Unix seconds (number or digit string) → Date. */
export function fromUnixSeconds(value: number | string): Date | undefined {
  const n = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(n) || n < 0) return undefined
  return new Date(n * 1000)
}

/** Unix milliseconds (number or digit string) → Date. */
export function fromUnixMillis(value: number | string): Date | undefined {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(n) || n < 0) return undefined
  return new Date(n)
}

/** RFC 3339 string or Unix seconds, as many providers send either. */
export function parseTimestamp(value: string | number): Date | undefined {
  return typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)
    ? fromUnixSeconds(value)
    : parseRfc3339(value)
}
