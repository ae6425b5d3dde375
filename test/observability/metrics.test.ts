import { describe, expect, it } from 'vitest'
import { CATALOG } from '../../src/observability/metric-catalog.ts'
import { createMetrics, NO_METRICS } from '../../src/observability/metrics.ts'
import { toPrometheusText } from '../../src/observability/prometheus-text.ts'
import { assertValidExposition, familyTypes, parseSamples, valueOf } from './exposition.ts'

const text = async (m = createMetrics()) => toPrometheusText(await m.collect())

describe('observability: metrics registry and Prometheus exposition', () => {
  it('exposes every catalogued metric with HELP and TYPE, and the text parses back', async () => {
    const m = createMetrics()
    m.count('txgate_requests_total', { provider: 'stripe', outcome: 'accepted' }, 3)
    m.observe('txgate_request_duration_seconds', { provider: 'stripe' }, 0.004)
    m.gauge('txgate_spool_bytes', undefined, 1234)
    const out = await text(m)
    assertValidExposition(out)
    const types = familyTypes(out)
    expect([...types.keys()].sort()).toEqual(Object.keys(CATALOG).sort())
    expect(types.get('txgate_requests_total')).toBe('counter')
    expect(types.get('txgate_request_duration_seconds')).toBe('histogram')
    const samples = parseSamples(out)
    expect(samples.filter((s) => s.name === 'txgate_requests_total')).toEqual([
      {
        name: 'txgate_requests_total',
        labels: { provider: 'stripe', outcome: 'accepted' },
        value: 3,
      },
    ])
    expect(valueOf(samples, 'txgate_spool_bytes')).toBe(1234)
  })

  it('writes histograms as cumulative buckets with +Inf, _sum and _count', async () => {
    const m = createMetrics()
    for (const s of [0.0004, 0.003, 0.003, 0.2, 30])
      m.observe('txgate_request_duration_seconds', { provider: 'adyen' }, s)
    const out = await text(m)
    expect(out).toContain(
      'txgate_request_duration_seconds_bucket{provider="adyen",le="0.0005"} 1\n',
    )
    expect(out).toContain('txgate_request_duration_seconds_bucket{provider="adyen",le="0.005"} 3\n')
    expect(out).toContain('txgate_request_duration_seconds_bucket{provider="adyen",le="0.25"} 4\n')
    expect(out).toContain('txgate_request_duration_seconds_bucket{provider="adyen",le="10"} 4\n')
    expect(out).toContain('txgate_request_duration_seconds_bucket{provider="adyen",le="+Inf"} 5\n')
    expect(out).toContain('txgate_request_duration_seconds_count{provider="adyen"} 5\n')
    expect(out).toMatch(/txgate_request_duration_seconds_sum\{provider="adyen"\} 30\.20\d*\n/)
  })

  it('escapes label values so that hostile text cannot break the format', async () => {
    const m = createMetrics()
    m.count('txgate_publish_records_total', {
      publisher: 'kafka',
      topic: 'a"b\\c\nd',
      result: 'ok',
    })
    const out = await text(m)
    assertValidExposition(out)
    const [sample] = parseSamples(out).filter((x) => x.name === 'txgate_publish_records_total')
    expect(sample?.labels['topic']).toBe('a"b\\c\nd')
  })

  it('records a value outside a label\'s fixed set as "other"', async () => {
    const m = createMetrics()
    m.count('txgate_requests_total', { provider: 'stripe', outcome: 'made_up' })
    m.count('txgate_requests_total', {
      provider: 'stripe',
      outcome: 'unauthorized',
      reason: 'i-say-so',
    })
    const out = await text(m)
    expect(out).toContain('txgate_requests_total{provider="stripe",outcome="other"} 1')
    expect(out).toContain(
      'txgate_requests_total{provider="stripe",outcome="unauthorized",reason="other"} 1',
    )
  })

  it('keeps the series count bounded whatever the label values (folded into one "other" series)', async () => {
    const m = createMetrics({ maxSeries: 20 })
    for (let i = 0; i < 10_000; i++)
      m.count('txgate_publish_records_total', { publisher: 'kafka', topic: `t${i}`, result: 'ok' })
    const snap = await m.collect()
    const fam = snap.families.find((f) => f.name === 'txgate_publish_records_total')
    expect(fam?.series).toHaveLength(21)
    expect(fam?.series.at(-1)).toEqual({
      labels: { publisher: 'other', topic: 'other', result: 'other' },
      value: 9980,
    })
  })

  it('cuts label values without a fixed set to 64 characters', async () => {
    const m = createMetrics()
    m.count('txgate_publish_records_total', {
      publisher: 'p',
      topic: 'x'.repeat(500),
      result: 'ok',
    })
    expect(await text(m)).toContain(`topic="${'x'.repeat(64)}"`)
  })

  it('reads on-demand gauges and appends extra exposition (process metrics) at each collect', async () => {
    const m = createMetrics()
    let depth = 5
    m.onCollect(() => m.gauge('txgate_spool_records', undefined, depth))
    m.addText(() => '# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 42')
    expect(await text(m)).toContain('txgate_spool_records 5\n')
    depth = 7
    const out = await text(m)
    expect(out).toContain('txgate_spool_records 7\n')
    expect(out.endsWith('process_resident_memory_bytes 42\n')).toBe(true)
  })

  it('does nothing when switched off', async () => {
    NO_METRICS.count('txgate_requests_total', { provider: 'stripe', outcome: 'accepted' })
    expect(await NO_METRICS.collect()).toEqual({ families: [], text: [] })
  })
})
