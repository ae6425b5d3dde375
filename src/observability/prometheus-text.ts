/** @module Metrics snapshot → Prometheus text exposition format 0.0.4 (what `GET /metrics` answers). */
import type { MetricsSnapshot, SeriesSnapshot } from './metrics.ts'

// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function toPrometheusText(snapshot: MetricsSnapshot): string {
  const lines: string[] = []
  for (const f of snapshot.families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.series) {
      if (f.type !== 'histogram') {
        lines.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`)
        continue
      }
      const bounds = f.bounds ?? []
      const cumulative = s.buckets ?? []
      bounds.forEach((b, i) => {
        lines.push(`${f.name}_bucket${labelText(s.labels, num(b))} ${num(cumulative[i] ?? 0)}`)
      })
      lines.push(`${f.name}_bucket${labelText(s.labels, '+Inf')} ${num(s.value)}`)
      lines.push(`${f.name}_sum${labelText(s.labels)} ${num(s.sum ?? 0)}`)
      lines.push(`${f.name}_count${labelText(s.labels)} ${num(s.value)}`)
    }
  }
  let text = lines.join('\n') + '\n'
  for (const extra of snapshot.text)
    if (extra.trim()) text += extra.endsWith('\n') ? extra : extra + '\n'
  return text
}

// --- Internal helpers ---

function labelText(labels: SeriesSnapshot['labels'], le?: string): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  if (le !== undefined) parts.push(`le="${le}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}
