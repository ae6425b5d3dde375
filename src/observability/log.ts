/** @module Structured JSON logger: one line per event, level-filtered, redacted before it is written. */
import { createRedactor } from './redact.ts'

export type Level = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
export type Logger = {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

export type LoggerOptions = {
  /** Configured secret values, scrubbed from every line wherever they appear. */
  secrets?: readonly string[]
}

const RANK: Record<Level | 'silent', number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 99,
}

export function createLogger(
  level: Level | 'silent',
  sink: (line: string) => void,
  clock: () => number,
  { secrets = [] }: LoggerOptions = {},
): Logger {
  // Callers are asked never to pass secrets; redaction here is the last line of defence.
  const redact = createRedactor(secrets)
  const at = (lvl: Level) => (msg: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return
    const line = redact.into({ time: isoTime(clock()), level: lvl, msg }, fields)
    sink(JSON.stringify(line))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

// new Date(ms).toISOString() per line was ~0.9 µs on Node 20; its text up to the second changes
// once a second, so that part is kept and the milliseconds written after it.
let cachedSecond = Number.NaN
let cachedHead = ''
const LAST_4_DIGIT_YEAR_MS = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z

function isoTime(at: number): string {
  const ms = Math.floor(at)
  if (!(ms >= 0 && ms <= LAST_4_DIGIT_YEAR_MS)) return new Date(at).toISOString()
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedHead = new Date(second * 1000).toISOString().slice(0, 20) // YYYY-MM-DDTHH:MM:SS.
  }
  const frac = ms - second * 1000
  return `${cachedHead}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`
}
