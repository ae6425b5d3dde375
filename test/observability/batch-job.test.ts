import { describe, expect, it } from 'vitest'
import { createActivity } from '../../src/observability/activity.ts'
import { createBatchJobReporter } from '../../src/observability/batch-job.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { toPrometheusText } from '../../src/observability/prometheus-text.ts'
import { parseSamples, valueOf } from './exposition.ts'

const job = { id: 'j1', source: 'upload', name: 'settle.csv', totalBytes: 1000 }

describe('observability: batch job reports', () => {
  it('turns running totals into counters once, and the final report into a job result', async () => {
    const metrics = createMetrics()
    const activity = createActivity(() => Date.UTC(2026, 0, 1))
    const report = createBatchJobReporter(metrics, activity)
    report({ ...job, state: 'running', bytesRead: 400, read: 100, published: 98, dlq: 2 })
    report({ ...job, state: 'running', bytesRead: 400, read: 100, published: 98, dlq: 2 }) // repeated
    let s = parseSamples(toPrometheusText(await metrics.collect()))
    expect(valueOf(s, 'txgate_batch_jobs_in_progress')).toBe(1)
    expect(valueOf(s, 'txgate_batch_records_total', { outcome: 'read' })).toBe(100)
    expect(activity.snapshot().jobs[0]).toMatchObject({
      id: 'j1',
      state: 'running',
      bytes_read: 400,
      total_bytes: 1000,
    })

    const final = {
      ...job,
      state: 'succeeded',
      bytesRead: 1000,
      read: 250,
      published: 245,
      dlq: 5,
      recordsPerSec: 5000,
    }
    report(final)
    report(final) // a late duplicate of the final report
    s = parseSamples(toPrometheusText(await metrics.collect()))
    expect(valueOf(s, 'txgate_batch_jobs_in_progress')).toBe(0)
    expect(valueOf(s, 'txgate_batch_jobs_total', { result: 'ok' })).toBe(1)
    expect(valueOf(s, 'txgate_batch_records_total', { outcome: 'published' })).toBe(245)
    expect(valueOf(s, 'txgate_batch_records_total', { outcome: 'dlq' })).toBe(5)
    expect(valueOf(s, 'txgate_batch_bytes_total')).toBe(1000)
    expect(valueOf(s, 'txgate_batch_last_job_rows_per_second')).toBe(5000)
    expect(activity.snapshot().jobs[0]).toMatchObject({ state: 'ok', rows_per_sec: 5000 })
  })

  it('counts a refused or failed job as failed, with its reason on the dashboard', async () => {
    const metrics = createMetrics()
    const activity = createActivity(Date.now)
    const report = createBatchJobReporter(metrics, activity)
    report({
      ...job,
      state: 'refused',
      bytesRead: 0,
      read: 0,
      published: 0,
      dlq: 0,
      reason: 'checksum mismatch',
    })
    const s = parseSamples(toPrometheusText(await metrics.collect()))
    expect(valueOf(s, 'txgate_batch_jobs_total', { result: 'failed' })).toBe(1)
    expect(activity.snapshot().jobs[0]).toMatchObject({
      state: 'failed',
      error: 'checksum mismatch',
    })
  })
})
