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

/**
 * How far a file (a job's item) got, kept while it is ingested: a pull killed mid-file resumes
 * after `records` with the same event ids (pull-files.ts). Cleared once the file is finished.
 */
export type FileProgress = {
  /** The content it is about: a file that changed under the same item starts over. */
  sha256: string
  /** The file's first attempt (epoch ms): its records' event-id time. */
  eventTimeMs: number
  /** Leading records durably published (Kafka ack or fsync'd spool; DLQ records too). */
  records: number
  published: number
  duplicates: number
  dlq: number
}

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
  getFileProgress(source: string, item: string): Promise<FileProgress | undefined>
  /** Durable when it returns: a kill right after it resumes from here. */
  setFileProgress(source: string, item: string, progress: FileProgress): Promise<void>
  clearFileProgress(source: string, item: string): Promise<void>
  close(): Promise<void>
}
