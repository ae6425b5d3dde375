/** @module BatchRunner port: what the HTTP routes need from a runtime that can run batch jobs. */
import type { JobStatus } from './job.ts'

export type BatchUpload = {
  provider: string
  /** The file's name (format detection, DLQ locations). */
  name: string
  body: ReadableStream<Uint8Array>
  /** Supplied SHA-256, lower-case hex. */
  checksum?: string
  force?: boolean
  traceparent?: string
}

export type BatchRunner = {
  /** Whether a provider has a batch mapping (module or mapping file). */
  accepts(provider: string): boolean
  /** Stores the upload (streamed, never buffered whole) and queues its job. */
  submit(upload: BatchUpload): Promise<JobStatus>
  /** A job's progress and, once finished, its result. */
  get(id: string): JobStatus | undefined
}
