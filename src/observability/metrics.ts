/**
 * @module Metrics port and its portable implementation: counters, gauges and histograms in memory,
 * with label sets bounded whatever the traffic. Runs on every runtime (Workers included).
 */
import {
  CATALOG,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LabelsOf,
  type MetricName,
  type MetricSpec,
} from './metric-catalog.ts'

export type Metrics = {
  /** false when metrics are switched off (TXGATE_METRICS=off): every call is then a no-op. */
  readonly enabled: boolean
  count<N extends CounterName>(name: N, labels?: LabelsOf<N>, by?: number): void
  gauge<N extends GaugeName>(name: N, labels: LabelsOf<N> | undefined, value: number): void
  observe<N extends HistogramName>(name: N, labels: LabelsOf<N> | undefined, value: number): void
  /** Runs before every read, for gauges read on demand (spool depth, breaker state). */
  onCollect(fn: () => void | Promise<void>): void
  /** Extra exposition text appended to `/metrics` (a server runtime's process metrics). */
  addText(fn: () => string | Promise<string>): void
  collect(): Promise<MetricsSnapshot>
}

export type SeriesSnapshot = {
  labels: Record<string, string>
  /** Counter or gauge value; for a histogram, the number of observations. */
  value: number
  /** Histogram only: cumulative counts per bucket bound, the last one being +Inf. */
  buckets?: number[]
  sum?: number
}
export type FamilySnapshot = {
  name: MetricName
  type: MetricSpec['type']
  help: string
  /** Histogram bucket upper bounds (without +Inf). */
  bounds?: readonly number[]
  series: SeriesSnapshot[]
}
export type MetricsSnapshot = { families: FamilySnapshot[]; text: string[] }

export type MetricsOptions = {
  /**
   * Series per metric beyond which new label sets are folded into one `other` series.
   * @default 500
   */
  maxSeries?: number
}

/** Longest label value kept; longer ones are cut (a label is a category, never a payload). */
const MAX_LABEL_LENGTH = 64
const OTHER = 'other'

export function createMetrics({ maxSeries = 500 }: MetricsOptions = {}): Metrics {
  const families = new Map<MetricName, Family>()
  for (const [name, spec] of Object.entries(CATALOG) as [MetricName, MetricSpec][]) {
    families.set(name, {
      name,
      spec,
      allowed: spec.labels.map((l) => (l.values ? new Set<string>(l.values) : undefined)),
      series: new Map(),
    })
  }
  const collectors: (() => void | Promise<void>)[] = []
  const texts: (() => string | Promise<string>)[] = []

  /** A label's value as kept: an allowed value, `other`, or cut to MAX_LABEL_LENGTH. */
  const kept = (family: Family, i: number, v: string): string => {
    const set = family.allowed[i]
    if (set !== undefined) return set.has(v) ? v : OTHER
    return v.length > MAX_LABEL_LENGTH ? v.slice(0, MAX_LABEL_LENGTH) : v
  }

  // Several calls per request: the hit path builds only the key (no array, no labels object).
  function seriesOf(
    name: MetricName,
    labels: Readonly<Record<string, string | undefined>> | undefined,
  ): Series {
    const family = families.get(name) as Family
    const names = family.spec.labels
    let key = ''
    for (let i = 0; i < names.length; i++) {
      const v = labels?.[(names[i] as { name: string }).name]
      if (v !== undefined) key += kept(family, i, v)
      key += '\u001f'
    }
    let s = family.series.get(key)
    if (s) return s
    const out: Record<string, string> = {}
    if (family.series.size >= maxSeries) {
      key = '\u0000overflow'
      s = family.series.get(key)
      if (s) return s
      // Every label `other`, given or not: one series for all that did not fit.
      for (const l of names) out[(l as { name: string }).name] = OTHER
    } else {
      for (let i = 0; i < names.length; i++) {
        const label = (names[i] as { name: string }).name
        const v = labels?.[label]
        if (v !== undefined) out[label] = kept(family, i, v)
      }
    }
    s = {
      labels: out,
      value: 0,
      sum: 0,
      counts: family.spec.buckets ? new Array<number>(family.spec.buckets.length + 1).fill(0) : undefined,
    }
    family.series.set(key, s)
    return s
  }

  return {
    enabled: true,
    count(name, labels, by = 1) {
      seriesOf(name, labels).value += by
    },
    gauge(name, labels, value) {
      seriesOf(name, labels).value = value
    },
    observe(name, labels, value) {
      const s = seriesOf(name, labels)
      const bounds = (families.get(name) as Family).spec.buckets ?? []
      let i = 0
      while (i < bounds.length && value > (bounds[i] as number)) i++
      ;(s.counts as number[])[i] = ((s.counts as number[])[i] ?? 0) + 1
      s.value += 1
      s.sum += value
    },
    onCollect: (fn) => void collectors.push(fn),
    addText: (fn) => void texts.push(fn),
    async collect() {
      for (const fn of collectors) await fn()
      const out: FamilySnapshot[] = []
      for (const f of families.values()) {
        const series: SeriesSnapshot[] = []
        for (const s of f.series.values()) {
          if (!s.counts) {
            series.push({ labels: s.labels, value: s.value })
            continue
          }
          let acc = 0
          series.push({
            labels: s.labels,
            value: s.value,
            sum: s.sum,
            buckets: s.counts.map((c) => (acc += c)),
          })
        }
        out.push({
          name: f.name,
          type: f.spec.type,
          help: f.spec.help,
          ...(f.spec.buckets ? { bounds: f.spec.buckets } : {}),
          series,
        })
      }
      return { families: out, text: await Promise.all(texts.map((fn) => fn())) }
    },
  }
}

/** Metrics switched off: the same port, doing nothing (for the on/off overhead bench). */
export const NO_METRICS: Metrics = {
  enabled: false,
  count() {},
  gauge() {},
  observe() {},
  onCollect() {},
  addText() {},
  collect: async () => ({ families: [], text: [] }),
}

// --- Internal helpers ---

type Series = {
  labels: Record<string, string>
  value: number
  sum: number
  counts: number[] | undefined
}
type Family = {
  name: MetricName
  spec: MetricSpec
  allowed: (Set<string> | undefined)[]
  series: Map<string, Series>
}
