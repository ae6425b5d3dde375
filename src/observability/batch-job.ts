/**
 * @module Batch jobs' metrics and dashboard entries, kept consistent: the batch path reports each
 * job's running totals here (e.g. from its onProgress) and never touches metric names itself.
 */
import type { Activity } from './activity.ts'
import type { Metrics } from './metrics.ts'

/** A job as it stands: totals so far, not increments (reporting twice counts nothing twice). */
export type BatchJobReport = {
  id: string
  /** upload, s3, pull, cli, … */
  source: string
  /** File or object name, for the operator. */
  name: string
  /** queued and running are in progress; succeeded is ok; anything else (failed, refused) failed. */
  state: string
  totalBytes?: number
  bytesRead: number
  read: number
  published: number
  dlq: number
  /** Records per second, when the job has finished. */
  recordsPerSec?: number
  reason?: string
}

export type BatchJobReporter = (job: Readonly<BatchJobReport>) => void

const IN_PROGRESS = new Set(['queued', 'running'])
/** Finished jobs remembered to ignore late or repeated final reports. */
const MAX_REMEMBERED = 1000

export function createBatchJobReporter(metrics: Metrics, activity: Activity): BatchJobReporter {
  const seen = new Map<
    string,
    { bytes: number; read: number; published: number; dlq: number; done: boolean }
  >()
  let running = 0

  return function reportBatchJob(job) {
    let last = seen.get(job.id)
    if (last?.done) return
    if (!last) {
      last = { bytes: 0, read: 0, published: 0, dlq: 0, done: false }
      seen.set(job.id, last)
      metrics.gauge('txgate_batch_jobs_in_progress', undefined, ++running)
      for (const id of seen.keys()) {
        if (seen.size <= MAX_REMEMBERED) break
        if (seen.get(id)?.done) seen.delete(id)
      }
    }
    const grew = (now: number, before: number) => Math.max(0, now - before)
    const bytes = grew(job.bytesRead, last.bytes)
    if (bytes) metrics.count('txgate_batch_bytes_total', undefined, bytes)
    for (const outcome of ['read', 'published', 'dlq'] as const) {
      const n = grew(job[outcome], last[outcome])
      if (n) metrics.count('txgate_batch_records_total', { outcome }, n)
    }
    Object.assign(last, {
      bytes: job.bytesRead,
      read: job.read,
      published: job.published,
      dlq: job.dlq,
    })

    const finished = !IN_PROGRESS.has(job.state)
    const result = job.state === 'succeeded' ? 'ok' : 'failed'
    activity.job(job.id, {
      source: job.source,
      name: job.name,
      state: finished ? result : 'running',
      bytes_read: job.bytesRead,
      records_read: job.read,
      published: job.published,
      dlq: job.dlq,
      ...(job.totalBytes ? { total_bytes: job.totalBytes } : {}),
      ...(job.recordsPerSec !== undefined ? { rows_per_sec: job.recordsPerSec } : {}),
      ...(job.reason !== undefined ? { error: job.reason } : {}),
    })
    if (!finished) return
    last.done = true
    metrics.gauge('txgate_batch_jobs_in_progress', undefined, --running)
    metrics.count('txgate_batch_jobs_total', { result })
    if (job.recordsPerSec !== undefined) {
      metrics.gauge('txgate_batch_last_job_rows_per_second', undefined, job.recordsPerSec)
    }
  }
}
