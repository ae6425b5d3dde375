/** @module A batch job's state and counts, as the CLI prints them and GET /batch/v1/jobs/{id} returns them. */
import type { BatchFormat } from './mapping.ts'
import type { ChunkCounts } from './publish-chunk.ts'

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'refused'

/** Why a file was refused whole, before anything was published. */
export type RefusalCode =
  | 'checksum_mismatch'
  | 'duplicate_file'
  | 'unreadable'
  | 'corrupt_gzip'
  | 'corrupt_file'
  | 'unknown_format'
  | 'empty_file'
  | 'no_mapping'

export type JobStats = ChunkCounts & {
  /** Records read from the file (good and bad). */
  read: number
  /** Bytes of the file as stored (compressed when gzip). */
  bytes: number
  durationMs: number
  recordsPerSec: number
}

export type JobStatus = {
  id: string
  provider: string
  file: string
  state: JobState
  format?: BatchFormat
  gzip?: boolean
  /** `sha256:<hex>` of the file as stored. */
  checksum?: string
  /** Bytes of the (decompressed) content read so far, of `totalBytes`, for progress and ETA. */
  progress: { bytesRead: number; totalBytes: number }
  stats: JobStats
  refusal?: RefusalCode
  /** Why the job was refused or failed. */
  reason?: string
  startedAt: string
  finishedAt?: string
}

export const emptyStats = (): JobStats => ({
  read: 0,
  published: 0,
  duplicates: 0,
  dlq: 0,
  bytes: 0,
  durationMs: 0,
  recordsPerSec: 0,
})

/** The CLI's exit code for a finished job: Airflow and shell scripts branch on it. */
export function exitCodeOf(status: JobStatus): number {
  if (status.state === 'refused') return 3
  if (status.state !== 'succeeded') return 1
  return status.stats.dlq > 0 ? 4 : 0
}

/** Counts of one chunk added to a job's stats. */
export function addCounts(stats: JobStats, c: ChunkCounts): void {
  stats.published += c.published
  stats.duplicates += c.duplicates
  stats.dlq += c.dlq
}
