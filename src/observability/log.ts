/** @module Structured JSON logger: one line per event, level-filtered, secrets never passed in. */

export type Level = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
export type Logger = {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

const RANK: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export function createLogger(
  level: Level | 'silent',
  sink: (line: string) => void,
  clock: () => number,
): Logger {
  const at = (lvl: Level) => (msg: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return
    sink(JSON.stringify({ time: new Date(clock()).toISOString(), level: lvl, msg, ...fields }))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
