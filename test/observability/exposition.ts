/** Reads the Prometheus text format strictly: every line must be a sample, HELP or TYPE. */
import { expect } from 'vitest'

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)\\})? (${VALUE})$`)
const META = new RegExp(
  `^# (?:HELP (${NAME}) .*|TYPE (${NAME}) (counter|gauge|histogram|summary|untyped))$`,
)
const ONE_LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g

export type Sample = { name: string; labels: Record<string, string>; value: number }

export function assertValidExposition(text: string): void {
  expect(text.endsWith('\n')).toBe(true)
  const bad = text
    .slice(0, -1)
    .split('\n')
    .filter((line) => !(SAMPLE.test(line) || META.test(line)))
  expect(bad).toEqual([])
}

/** Every sample line, label values unescaped. */
export function parseSamples(text: string): Sample[] {
  assertValidExposition(text)
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line)
    if (!m?.[1]) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(ONE_LABEL)) {
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(["\\n])/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      )
    }
    out.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return out
}

/** The `# TYPE` of each metric family, in order. */
export function familyTypes(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = META.exec(line)
    if (m?.[2] && m[3]) out.set(m[2], m[3])
  }
  return out
}

/** The value of the sample with exactly these labels, or undefined. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  return samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  )?.value
}
