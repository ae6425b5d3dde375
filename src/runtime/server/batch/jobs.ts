/** @module The server's BatchRunner: uploads streamed to disk, jobs run one at a time, statuses kept for GET. */
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { emptyStats, type JobStatus } from '../../../batch/job.ts'
import type { BatchRunner } from '../../../batch/runner.ts'
import { uuidv7 } from '../../../message/uuidv7.ts'
import { ingestFile, mappingFor, type BatchEnv } from './ingest.ts'

/** Finished jobs kept for GET /batch/v1/jobs/{id}; the oldest are forgotten first. */
const KEEP_JOBS = 1000

export type JobRunner = BatchRunner & {
  /** Resolves when every queued job has finished (shutdown, tests). */
  idle(): Promise<void>
}

export function createJobRunner(env: BatchEnv, uploadDir: string): JobRunner {
  const jobs = new Map<string, JobStatus>()
  // One job at a time: each already uses every core through its workers.
  let chain: Promise<void> = Promise.resolve()

  const remember = (status: JobStatus) => {
    jobs.set(status.id, status)
    if (jobs.size > KEEP_JOBS) {
      for (const [id, s] of jobs) {
        if (jobs.size <= KEEP_JOBS) break
        if (s.finishedAt !== undefined) jobs.delete(id)
      }
    }
  }

  return {
    accepts: (provider) => mappingFor(env, provider) !== undefined,
    async submit(upload) {
      const id = uuidv7(env.clock())
      await mkdir(uploadDir, { recursive: true })
      const path = join(uploadDir, `${id}-${upload.name}`)
      // Streamed to disk: the integrity gate needs the whole file before anything is published.
      await pipeline(Readable.fromWeb(upload.body as NodeReadableStream<Uint8Array>), createWriteStream(path))
      const status: JobStatus = {
        id,
        provider: upload.provider,
        file: upload.name,
        state: 'queued',
        progress: { bytesRead: 0, totalBytes: 0 },
        stats: emptyStats(),
        startedAt: new Date(env.clock()).toISOString(),
      }
      remember(status)
      chain = chain.then(async () => {
        const final = await ingestFile(env, {
          path,
          provider: upload.provider,
          jobId: id,
          name: upload.name,
          ...(upload.checksum ? { checksum: upload.checksum } : {}),
          ...(upload.force ? { force: true } : {}),
          ...(upload.traceparent ? { traceparent: upload.traceparent } : {}),
          onProgress: (s) => remember({ ...s, stats: { ...s.stats }, progress: { ...s.progress } }),
        }).catch((err: unknown): JobStatus => ({
          ...status,
          state: 'failed',
          reason: err instanceof Error ? err.message : String(err),
          finishedAt: new Date(env.clock()).toISOString(),
        }))
        remember(final)
        await rm(path, { force: true })
      })
      return { ...status }
    },
    get: (id) => jobs.get(id),
    idle: () => chain,
  }
}
