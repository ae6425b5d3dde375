import { readFile } from 'node:fs/promises'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { CATALOG, type MetricName } from '../../src/observability/metric-catalog.ts'

type Panel = { id: number; type: string; title: string; targets?: { expr: string }[] }
const dashboard = JSON.parse(
  await readFile(new URL('../../deploy/grafana/txgate.json', import.meta.url), 'utf8'),
) as {
  uid: string
  panels: Panel[]
}
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
)

describe('deploy: the Grafana dashboard', () => {
  it('queries only series that /metrics exposes (no panel stays empty because of a typo)', async () => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const processNames = new Set((await registry.getMetricsAsJSON()).map((m) => m.name))
    const known = (name: string) => {
      const base = name.replace(/_(bucket|sum|count)$/, '')
      const spec = CATALOG[base as MetricName] as { type: string } | undefined
      if (CATALOG[name as MetricName]) return true
      if (spec?.type === 'histogram') return true
      return processNames.has(name)
    }
    const unknown = exprs.flatMap(({ panel, expr }) =>
      [...expr.matchAll(/\b((?:txgate|process|nodejs)_[a-z0-9_]+)\b/g)]
        .map((m) => m[1] ?? '')
        .filter((n) => !known(n))
        .map((n) => `${panel}: ${n}`),
    )
    expect(unknown).toEqual([])
  })

  it('shows every metric txgate exposes somewhere', () => {
    const all = exprs.map((e) => e.expr).join('\n')
    const missing = Object.keys(CATALOG).filter(
      (name) => !new RegExp(`\\b${name}(_bucket|_sum|_count)?\\b`).test(all),
    )
    expect(missing).toEqual([])
  })

  it('has unique panel ids and a stable uid', () => {
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(dashboard.uid).toBe('txgate-overview')
  })
})
