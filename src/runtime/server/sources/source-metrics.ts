/** @module Per-source metrics: runs, files, rows, failures, last success, and how old each source's checkpoint is. */
import type { Metrics } from '../../../observability/metrics.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import type { ObjectOutcome } from '../../../sources/events.ts'
import type { PullResult } from './pull.ts'

export type SourceMetrics = {
  /** A scheduled pull finished. */
  run(r: PullResult): void
  /** An S3 notification's objects ended. */
  events(source: string, objects: readonly ObjectOutcome[]): void
}

/** `clock` is wall time (ms); the newest done job of each source seeds its checkpoint age at start. */
export async function createSourceMetrics(metrics: Metrics, sources: readonly string[], checkpoints: Checkpoints, clock: () => number): Promise<SourceMetrics> {
  const advanced = new Map<string, number>()
  for (const source of sources) {
    const jobs = await checkpoints.listJobs(source, 50).catch(() => [])
    const done = jobs.find((j) => j.status === 'done' && j.finishedAt)
    if (done?.finishedAt) advanced.set(source, Date.parse(done.finishedAt))
  }
  metrics.onCollect(() => {
    const now = clock()
    for (const [source, at] of advanced) metrics.gauge('txgate_source_checkpoint_age_seconds', { source }, Math.max(0, (now - at) / 1000))
  })
  const succeeded = (source: string) => metrics.gauge('txgate_source_last_success_timestamp_seconds', { source }, clock() / 1000)
  return {
    run(r) {
      metrics.count('txgate_source_runs_total', { source: r.source, outcome: r.outcome })
      if (r.pages > 0) metrics.count('txgate_source_files_total', { source: r.source, result: 'ingested' }, r.pages)
      if (r.rows > 0) metrics.count('txgate_source_rows_total', { source: r.source }, r.rows)
      if (r.outcome === 'failed') metrics.count('txgate_source_failures_total', { source: r.source })
      if (r.outcome === 'done' || r.outcome === 'nothing_new') succeeded(r.source)
      if (r.outcome === 'done') advanced.set(r.source, clock())
    },
    events(source, objects) {
      for (const o of objects) {
        if (o.outcome === 'ingested') {
          metrics.count('txgate_source_files_total', { source, result: 'ingested' })
          metrics.count('txgate_source_rows_total', { source }, o.rows ?? 0)
          succeeded(source)
          advanced.set(source, clock())
        } else if (o.outcome === 'duplicate') {
          metrics.count('txgate_source_files_total', { source, result: 'duplicate' })
        } else if (o.outcome === 'failed' || o.outcome === 'retry') {
          metrics.count('txgate_source_files_total', { source, result: 'failed' })
          metrics.count('txgate_source_failures_total', { source })
        }
      }
    },
  }
}
