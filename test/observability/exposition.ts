/** A strict line check of the Prometheus text format (the parser used beside it is lenient). */
import { expect } from 'vitest'

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)'
const SAMPLE = new RegExp(`^${NAME}(?:\\{${LABEL}(?:,${LABEL})*\\})? ${VALUE}$`)
const META = new RegExp(`^# (?:HELP ${NAME} .*|TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped))$`)

export function assertValidExposition(text: string): void {
  expect(text.endsWith('\n')).toBe(true)
  const bad = text
    .slice(0, -1)
    .split('\n')
    .filter((line) => !(SAMPLE.test(line) || META.test(line)))
  expect(bad).toEqual([])
}
