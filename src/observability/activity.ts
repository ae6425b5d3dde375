/**
 * @module Recent activity for the dashboard that must not become metric labels: the last DLQ
 * reasons and the batch jobs with their progress. Bounded lists, in memory, per instance.
 */
import { createRedactor } from './redact.ts'

export type DlqNote = {
  at: string
  provider: string
  source: string
  event_type: string
  reason: string
}

export type BatchJobView = {
  id: string
  /** Where the file came from: upload, s3, pull, cli, … */
  source: string
  /** File or object name, for the operator to recognise the job. */
  name: string
  state: 'running' | 'ok' | 'failed'
  started_at: string
  finished_at?: string
  /** Input size when known up front, so the dashboard can show a percentage. */
  total_bytes?: number
  bytes_read: number
  records_read: number
  published: number
  dlq: number
  rows_per_sec?: number
  error?: string
}

export type ActivitySnapshot = { dlq: DlqNote[]; jobs: BatchJobView[] }

export type Activity = {
  dlq(note: Omit<DlqNote, 'at'>): void
  /** Creates or updates the job `id` (fields given replace the ones held). */
  job(id: string, patch: Partial<Omit<BatchJobView, 'id'>>): void
  snapshot(): ActivitySnapshot
}

const MAX_DLQ = 50
const MAX_RUNNING = 50
const MAX_FINISHED = 20
const MAX_TEXT = 300

/** @param secrets Configured secret values, scrubbed from what the page shows (see secretValues). */
export function createActivity(clock: () => number, secrets: readonly string[] = []): Activity {
  const dlq: DlqNote[] = []
  const jobs = new Map<string, BatchJobView>()
  const finished: BatchJobView[] = []
  // Reasons can quote input (a mapping error's message); they are shown on a page, so scrub them.
  const redact = createRedactor(secrets)
  const clean = (s: string) => String(redact({ s: s.slice(0, MAX_TEXT) })['s'])

  return {
    dlq(note) {
      dlq.unshift({
        at: new Date(clock()).toISOString(),
        provider: clean(note.provider),
        source: clean(note.source),
        event_type: clean(note.event_type),
        reason: clean(note.reason),
      })
      if (dlq.length > MAX_DLQ) dlq.length = MAX_DLQ
    },
    job(id, patch) {
      let j = jobs.get(id) ?? finished.find((f) => f.id === id)
      if (!j) {
        if (jobs.size >= MAX_RUNNING) return // the metrics still count it; the page lists the first ones
        j = {
          id: clean(id),
          source: 'unknown',
          name: '',
          state: 'running',
          started_at: new Date(clock()).toISOString(),
          bytes_read: 0,
          records_read: 0,
          published: 0,
          dlq: 0,
        }
        jobs.set(id, j)
      }
      Object.assign(j, patch)
      if (patch.error !== undefined) j.error = clean(patch.error)
      if (j.state !== 'running' && jobs.delete(id)) {
        j.finished_at ??= new Date(clock()).toISOString()
        finished.unshift(j)
        if (finished.length > MAX_FINISHED) finished.length = MAX_FINISHED
      }
    },
    snapshot: () => ({
      dlq: dlq.map((d) => ({ ...d })),
      jobs: [...jobs.values(), ...finished].map((j) => ({ ...j })),
    }),
  }
}
