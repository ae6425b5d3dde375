/** @module Per-source metrics: runs, files, rows, bytes, failures, last success, how old each source's checkpoint is, and its breaker state. */
import type { Metrics } from '../../../observability/metrics.ts'
import { SHOWN_STATES, shownState, type HealthStore, type SourceHealth } from '../../../sources/breaker.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import type { ObjectOutcome } from '../../../sources/events.ts'
import { readHealth } from './health-store.ts'
import type { PullResult } from './pull.ts'

export type SourceMetrics = {
  /** A scheduled pull finished (or was skipped); `health` is the source's state after it. */
  run(r: PullResult, health?: SourceHealth): void
  /** An S3 notification's objects ended. */
  events(source: string, objects: readonly ObjectOutcome[]): void
}

/**
 * `clock` is wall time (ms); the newest done job of each source seeds its checkpoint age at start.
 * `breakers`: the pull sources whose state is shown, read from the shared `health` store at each
 * collection (so an instance that does not hold the lease, and a `txgate pull` run elsewhere, show
 * too); when the store does not answer, the state the last run here saw.
 */
export async function createSourceMetrics(
  metrics: Metrics,
  sources: readonly string[],
  checkpoints: Checkpoints,
  clock: () => number,
  breakers?: { health: HealthStore; sources: readonly string[] },
): Promise<SourceMetrics> {
  const advanced = new Map<string, number>()
  const states = new Map<string, SourceHealth | undefined>()
  for (const source of breakers?.sources ?? []) states.set(source, undefined)
  for (const source of sources) {
    const jobs = await checkpoints.listJobs(source, 50).catch(() => [])
    const done = jobs.find((j) => j.status === 'done' && j.finishedAt)
    if (done?.finishedAt) advanced.set(source, Date.parse(done.finishedAt))
  }
  metrics.onCollect(async () => {
    if (breakers) {
      await Promise.all([...states.keys()].map(async (source) => {
        const h = await readHealth(breakers.health, source).then((v) => ({ v }), () => undefined)
        if (h) states.set(source, h.v)
      }))
    }
    const now = clock()
    for (const [source, at] of advanced) metrics.gauge('txgate_source_checkpoint_age_seconds', { source }, Math.max(0, (now - at) / 1000))
    // Every state's series, 1 for the current one: an alert on `terminal == 1` needs no absent() tricks.
    for (const [source, h] of states) {
      const current = shownState(h, now)
      for (const state of SHOWN_STATES) metrics.gauge('txgate_source_state', { source, state }, state === current ? 1 : 0)
    }
  })
  const succeeded = (source: string) => metrics.gauge('txgate_source_last_success_timestamp_seconds', { source }, clock() / 1000)
  return {
    run(r, health) {
      metrics.count('txgate_source_runs_total', { source: r.source, outcome: r.outcome })
      if (states.has(r.source)) states.set(r.source, health)
      if (r.bytes) metrics.count('txgate_source_bytes_total', { source: r.source }, r.bytes)
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
