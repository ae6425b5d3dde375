/** @module Where pull sources keep their leases, cursors and job records (PostgreSQL or a local file). */

export type SourceJobStatus = 'fetching' | 'ingesting' | 'done' | 'failed'

export type SourceJob = {
  id: string
  source: string
  /** What the job fetched: a page's cursor (`cursor:<value>`), a file or object key. */
  item: string
  status: SourceJobStatus
  rows: number
  published: number
  dlq: number
  startedAt: string
  finishedAt?: string
  error?: string
}

export type JobPatch = Partial<Pick<SourceJob, 'status' | 'rows' | 'published' | 'dlq' | 'finishedAt' | 'error'>>

export type Checkpoints = {
  readonly kind: 'postgres' | 'file'
  /** Takes (or renews, for the same holder) the source's lease; false while another holder's is unexpired. */
  acquireLease(source: string, holder: string, ttlMs: number): Promise<boolean>
  releaseLease(source: string, holder: string): Promise<void>
  getCursor(source: string): Promise<string | undefined>
  setCursor(source: string, cursor: string): Promise<void>
  startJob(job: Omit<SourceJob, 'rows' | 'published' | 'dlq' | 'finishedAt' | 'error'>): Promise<void>
  updateJob(id: string, patch: JobPatch): Promise<void>
  /** Newest first. */
  listJobs(source: string, limit?: number): Promise<SourceJob[]>
  /** The newest job for one item (a file or object version), if any. */
  findJob(source: string, item: string): Promise<SourceJob | undefined>
  close(): Promise<void>
}
