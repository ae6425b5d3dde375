/** @module A source's schedule: a cron pattern (croner syntax, seconds optional) or `{ every: 5m }`. */
import { Cron } from 'croner'
import { z } from 'zod'

const EVERY = /^(\d+)(s|m|h)$/
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const

export const ScheduleSchema = z.union([
  z.string().refine((p) => isCron(p), { message: 'not a cron pattern (e.g. "*/5 * * * *")' }),
  z.strictObject({ every: z.string().regex(EVERY, 'an interval like 30s, 5m or 1h') }),
])

export type Schedule = z.infer<typeof ScheduleSchema>

function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop()
    return true
  } catch {
    return false
  }
}

/** The interval in ms for `{ every }`, undefined for a cron pattern. */
export function everyMs(s: Schedule): number | undefined {
  if (typeof s === 'string') return undefined
  const [, n, unit] = EVERY.exec(s.every) ?? []
  return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]
}

/** For tables: the pattern, or `every 5m`. */
export const describeSchedule = (s: Schedule | undefined): string => (s === undefined ? '-' : typeof s === 'string' ? s : `every ${s.every}`)
