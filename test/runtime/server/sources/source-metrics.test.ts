import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics } from '../../../../src/observability/metrics.ts'
import { toPrometheusText } from '../../../../src/observability/prometheus-text.ts'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { createSourceMetrics } from '../../../../src/runtime/server/sources/source-metrics.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

let dir: string
afterEach(() => rm(dir, { recursive: true, force: true }))

const T0 = Date.parse('2026-12-07T12:00:00Z')

describe('sources: per-source metrics', () => {
  it('counts runs, files, rows and failures per source; last success and checkpoint age follow the clock', async () => {
    dir = await tempDir('source-metrics')
    const checkpoints = createFileCheckpoints(join(dir, 'cp'))
    // A done job from before the start seeds the checkpoint age.
    await checkpoints.startJob({ id: 'j1', source: 'drops', item: 'in/a.csv@e', status: 'fetching', startedAt: new Date(T0 - 600_000).toISOString() })
    await checkpoints.updateJob('j1', { status: 'done', finishedAt: new Date(T0 - 600_000).toISOString() })
    let now = T0
    const metrics = createMetrics()
    const m = await createSourceMetrics(metrics, ['mahak', 'drops'], checkpoints, () => now)
    const base = { pages: 0, rows: 0, published: 0, dlq: 0, duplicates: 0 }
    m.run({ ...base, source: 'mahak', outcome: 'done', pages: 2, rows: 150 })
    now += 60_000
    m.run({ ...base, source: 'mahak', outcome: 'failed', error: 'HTTP 500' })
    m.events('drops', [
      { key: 'in/b.csv', outcome: 'ingested', rows: 7 },
      { key: 'in/a.csv', outcome: 'duplicate' },
      { key: 'in/c.csv', outcome: 'failed', reason: 'MD5' },
      { key: 'in/x', outcome: 'ignored' },
    ])
    now += 30_000
    const text = toPrometheusText(await metrics.collect())
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1])
    expect(value('txgate_source_runs_total{source="mahak",outcome="done"}')).toBe(1)
    expect(value('txgate_source_runs_total{source="mahak",outcome="failed"}')).toBe(1)
    expect(value('txgate_source_rows_total{source="mahak"}')).toBe(150)
    expect(value('txgate_source_rows_total{source="drops"}')).toBe(7)
    expect(value('txgate_source_files_total{source="drops",result="duplicate"}')).toBe(1)
    expect(value('txgate_source_failures_total{source="drops"}')).toBe(1)
    expect(value('txgate_source_failures_total{source="mahak"}')).toBe(1)
    expect(value('txgate_source_last_success_timestamp_seconds{source="mahak"}')).toBe(T0 / 1000)
    // mahak advanced at T0 (90 s ago); drops at its event (30 s ago), after the seeded job.
    expect(value('txgate_source_checkpoint_age_seconds{source="mahak"}')).toBe(90)
    expect(value('txgate_source_checkpoint_age_seconds{source="drops"}')).toBe(30)
    await checkpoints.close()
  })
})
