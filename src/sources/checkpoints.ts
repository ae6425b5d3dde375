/** @module Where pull sources keep their leases, cursors and job records (PostgreSQL or a local file). */

/**
 * `done` and `failed` are a file's final verdicts (a failed file goes to failed/); `abandoned` is
 * neither: its run died before it finished, and the item is tried again like one never finished.
 */
export type SourceJobStatus = 'fetching' | 'ingesting' | 'done' | 'failed' | 'abandoned'

/** The error an abandoned job records. */
export const ABANDONED_ERROR = 'abandoned: the run died before it finished (kill -9 or crash); a later run took the source over'

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

/** `error: null` clears an error recorded before (a job marked abandoned by mistake that finished after all). */
export type JobPatch = Partial<Pick<SourceJob, 'status' | 'rows' | 'published' | 'dlq' | 'finishedAt'>> & { error?: string | null }

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
  /**
   * Marks the source's jobs still `fetching`/`ingesting` with no `finishedAt` as `abandoned`
   * (finishedAt `at`, error ABANDONED_ERROR); returns how many. Called by a pull that has just
   * taken the source's lease: one runner per source, so those jobs' runs are dead.
   */
  abandonUnfinished(source: string, at: string): Promise<number>
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
