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
    const line = redact({ time: new Date(clock()).toISOString(), level: lvl, msg, ...fields })
    sink(JSON.stringify(line))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
