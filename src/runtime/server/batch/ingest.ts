/** @module One batch job: integrity gate → file ledger → units (inline or in workers) → chunks published in file order → stats. */
import { rm } from 'node:fs/promises'
import { basename } from 'node:path'
import type { UnitSlice } from '../../../batch/encode-unit.ts'
import { addCounts, emptyStats, type JobStatus, type RefusalCode } from '../../../batch/job.ts'
import type { FileLedger } from '../../../batch/ledger.ts'
import type { BatchMapping } from '../../../batch/mapping.ts'
import { dedupeFor, type BatchDedupe } from '../../../batch/dedupe.ts'
import { createChunkPublisher, rememberKeys, type ChunkCounts } from '../../../batch/publish-chunk.ts'
import { createFileEventIds } from '../../../batch/event-ids.ts'
import { restampEventIds } from '../../../batch/restamp.ts'
import type { Config } from '../../../config.ts'
import { uuidv7 } from '../../../message/uuidv7.ts'
import type { Logger } from '../../../observability/log.ts'
import { traceFrom } from '../../../observability/trace.ts'
import type { Registry } from '../../../provider/registry.ts'
import type { Publisher } from '../../../publish/types.ts'
import type { Store } from '../../../store/types.ts'
import { inspectFile } from './integrity.ts'
import { createPool } from './pool.ts'
import { batchWorkerScript } from './worker-bundle.ts'
import type { UnitResult } from './processor.ts'
import { openUnits } from './units.ts'
import { tightenHeapGrowth } from './heap-growth.ts'

export type BatchEnv = {
  config: Config
  registry: Registry
  store: Store
  publisher: Publisher
  clock: () => number
  log: Logger
  ledger: FileLedger
  /** Where gzip'd Parquet files are decompressed to. */
  tmpDir: string
  /** Worker threads for a large file (0: this thread only). */
  workers: number
  /** Records published per chunk. @default 10 000 */
  chunkSize: number
  /** Mappings from a YAML file: file-only providers, and overrides of the modules' `batch` parts. */
  mappings?: Readonly<Record<string, BatchMapping>>
  /** How records are deduped; default: through a shared store, else a bounded in-process table (dedupe.ts). */
  dedupe?: BatchDedupe
  /** Files smaller than this run on the calling thread: starting workers costs more. @default 8 MiB */
  workerThresholdBytes?: number
  /** Target size of a block of lines handed to a worker. @default 1 MiB */
  blockBytes?: number
}

export type IngestRequest = {
  path: string
  provider: string
  jobId?: string
  /** The name the file came with (an upload's); default: the path's base name. */
  name?: string
  /** A mapping for this job only (`--mapping`), over the YAML file's and the module's. */
  mapping?: BatchMapping
  /** The supplied SHA-256, lower-case hex. */
  checksum?: string
  /** Ingest even though this file (same provider and SHA-256) was ingested before. */
  force?: boolean
  traceparent?: string
  onProgress?: (status: Readonly<JobStatus>) => void
  /** A pulled file: resumed where an earlier attempt stopped, its progress checkpointed (pull-files.ts). */
  resume?: ResumeHooks
}

/** Where an earlier attempt at the same file (same SHA-256) stopped; `records: 0` for a first attempt. */
export type ResumePoint = {
  /** Leading records (in file order, DLQ records too) an earlier attempt made durable: not published again. */
  records: number
  /** What those records counted for. */
  counts: ChunkCounts
  /** The file's first attempt: its records' `ingestion_timestamp` and their event ids' time. */
  eventTimeMs: number
  /** The event-id seed (event-ids.ts fileIdSeed): the same record gets the same event id in every attempt. */
  idSeed: string
}

/** The leading records durable so far (published, fsync'd or acked, or to the DLQ), and their counts. */
export type DurableProgress = { records: number; counts: ChunkCounts }

export type ResumeHooks = {
  /** Asked once the file's SHA-256 is known, before anything is published. */
  from(sha256: string): Promise<ResumePoint>
  /** After each chunk is durable, in file order; a failure fails the job (it is retried). */
  durable(progress: DurableProgress): Promise<void>
}

const WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024

export function mappingFor(env: Pick<BatchEnv, 'mappings' | 'registry'>, provider: string): BatchMapping | undefined {
  return env.mappings?.[provider] ?? env.registry.get(provider)?.batch
}

/** One batch job, start to result; V8's heap grows less while any job runs (heap-growth.ts). */
export async function ingestFile(env: BatchEnv, req: IngestRequest): Promise<JobStatus> {
  const release = tightenHeapGrowth()
  try {
    return await runJob(env, req)
  } finally {
    release()
  }
}

async function runJob(env: BatchEnv, req: IngestRequest): Promise<JobStatus> {
  const started = performance.now()
  const name = req.name ?? basename(req.path)
  const status: JobStatus = {
    id: req.jobId ?? uuidv7(env.clock()),
    provider: req.provider,
    file: name,
    state: 'running',
    progress: { bytesRead: 0, totalBytes: 0 },
    stats: emptyStats(),
    startedAt: new Date(env.clock()).toISOString(),
  }
  const finish = (state: JobStatus['state'], extra: Partial<JobStatus> = {}): JobStatus => {
    Object.assign(status, extra, { state, finishedAt: new Date(env.clock()).toISOString() })
    const ms = performance.now() - started
    status.stats.durationMs = Math.round(ms)
    status.stats.recordsPerSec = ms > 0 ? Math.round((status.stats.read * 1000) / ms) : 0
    req.onProgress?.(status)
    env.log.info('batch job finished', { job_id: status.id, provider: status.provider, file: name, state, ...status.stats, ...(status.reason ? { reason: status.reason } : {}) })
    return status
  }
  const refuse = (refusal: RefusalCode, reason: string) => finish('refused', { refusal, reason })

  const mapping = req.mapping ?? mappingFor(env, req.provider)
  if (!mapping) return refuse('no_mapping', `no batch mapping for provider "${req.provider}" (add one to its module or pass a mapping file)`)

  const file = await inspectFile(req.path, {
    name,
    tmpDir: env.tmpDir,
    ...(req.checksum !== undefined ? { expectedSha256: req.checksum } : {}),
    ...(mapping.format !== undefined ? { declared: mapping.format } : {}),
  })
  if (!file.ok) return refuse(file.refusal, file.reason)
  Object.assign(status, { format: file.format, gzip: file.gzip, checksum: `sha256:${file.sha256}` })
  status.stats.bytes = file.bytes
  status.progress.totalBytes = file.bytes
  const cleanup = () => (file.parquetPath ? rm(file.parquetPath, { force: true }) : Promise.resolve())

  if (!req.force) {
    const claim = await env.ledger.claim(req.provider, file.sha256, status.id)
    if (!claim.ok) {
      await cleanup()
      return refuse(
        'duplicate_file',
        claim.state === 'done'
          ? `this file was already ingested (job ${claim.jobId}); force to ingest it again`
          : `this file is being ingested by job ${claim.jobId}`,
      )
    }
  }

  let resumed: ResumePoint | undefined
  try {
    resumed = req.resume ? await req.resume.from(file.sha256) : undefined
  } catch (err) {
    await cleanup()
    if (!req.force) await env.ledger.release(req.provider, file.sha256, status.id).catch(() => undefined)
    return finish('failed', { reason: `resume point not read: ${err instanceof Error ? err.message : String(err)}` })
  }
  // The file's totals, earlier attempts included: the records they made durable are skipped below.
  if (resumed) addCounts(status.stats, resumed.counts)

  const trace = traceFrom(new Headers(req.traceparent ? { traceparent: req.traceparent } : {}))
  const { config } = env
  const source = await openUnits(req.path, file, {
    mapping,
    name,
    onBytes: (n) => (status.progress.bytesRead += n),
    ...(env.blockBytes ? { blockBytes: env.blockBytes } : {}),
  })
  const large = file.contentBytes >= (env.workerThresholdBytes ?? WORKER_THRESHOLD_BYTES)
  const lines = { provider: req.provider, traceparent: trace.traceparent, topics: { batch: config.topics.batch, dlq: config.topics.dlq } }
  const workers = large ? env.workers : 0
  const script = workers > 0 ? await batchWorkerScript(env.tmpDir, (error) => env.log.warn('batch workers load TypeScript through tsx: bundling failed', { error })) : undefined
  const pool = createPool(workers, {
    mapping,
    csv: source.csv,
    ...(file.format === 'parquet' ? { parquetPath: file.parquetPath ?? req.path } : {}),
    build: {
      ...lines,
      tenantId: config.tenantId,
      traceId: trace.traceId,
      ingestedAt: resumed?.eventTimeMs ?? env.clock(),
      file: name,
      position: file.format === 'parquet' ? 'row' : 'line',
    },
  }, script)
  const dedupe = env.dedupe ?? dedupeFor(env.store, env.clock)
  const publishChunk = createChunkPublisher({
    dedupe,
    publisher: env.publisher,
    inFlightTtlMs: config.inFlightTtlMs,
    ttlMs: config.idempotencyTtlMs,
    log: env.log,
    lines,
  })
  // Records waiting for a chunk: the rest of the units taken so far, in file order.
  const pending: UnitSlice[] = []
  let pendingCount = 0
  // One chunk is published (claims, publish, fsync or Kafka's ack, commit) while the next is
  // built; the next is claimed only once that one is done, so chunks still go out in file order.
  let publishing: Promise<void> = Promise.resolve()
  // Records still to skip (an earlier attempt made them durable), and the leading records durable now.
  let skip = resumed?.records ?? 0
  let durable = skip
  // A pulled file's records get ids from their position in the file (the same in every attempt).
  const fileIds = resumed ? createFileEventIds(resumed.idSeed, resumed.eventTimeMs) : undefined
  let position = 0
  const flush = async (all: boolean) => {
    while (pendingCount >= env.chunkSize || (all && pendingCount > 0)) {
      const chunk: UnitSlice[] = []
      for (let room = env.chunkSize; room > 0 && pending.length > 0; ) {
        const s = pending[0] as UnitSlice
        const take = Math.min(room, s.to - s.from)
        chunk.push({ unit: s.unit, from: s.from, to: s.from + take })
        room -= take
        pendingCount -= take
        s.from += take
        if (s.from === s.to) pending.shift()
      }
      await publishing
      publishing = publishChunk(chunk).then(async (counts) => {
        addCounts(status.stats, counts)
        // A unit whose last records were in this chunk is read by no one now.
        for (const s of chunk) if (s.to === s.unit.keys.length) pool.recycle(s.unit.bytes.buffer as ArrayBuffer)
        for (const s of chunk) durable += s.to - s.from
        await req.resume?.durable({ records: durable, counts: { published: status.stats.published, duplicates: status.stats.duplicates, dlq: status.stats.dlq } })
      })
      // Awaited at the next chunk or the end; until then a failure must not count as unhandled.
      publishing.catch(() => undefined)
    }
  }
  const take = async (r: UnitResult) => {
    status.stats.read += r.read
    const n = r.encoded.keys.length
    if (fileIds) restampEventIds(r.encoded, position, fileIds)
    position += n
    const skipped = Math.min(skip, n)
    if (skipped > 0) {
      skip -= skipped
      // Not published again, but their keys are known to the dedupe (an in-process one forgot them
      // with the killed process), so a later row of the file repeating one is still a duplicate.
      await rememberKeys(dedupe, { unit: r.encoded, from: 0, to: skipped }, config.idempotencyTtlMs, config.inFlightTtlMs)
      if (skipped === n) pool.recycle(r.encoded.bytes.buffer as ArrayBuffer)
    }
    if (n > skipped) pending.push({ unit: r.encoded, from: skipped, to: n })
    pendingCount += n - skipped
    await flush(false)
    req.onProgress?.(status)
  }

  // Units run ahead in the pool; results are taken in file order, so per-key order holds.
  const ahead: Promise<UnitResult>[] = []
  try {
    // Backpressure: the reader waits while `window` units are in flight; on this thread, one.
    const window = pool.size === 0 ? 1 : pool.size * 2
    for await (const unit of source.units) {
      ahead.push(pool.run(unit))
      if (ahead.length >= window) await take(await (ahead.shift() as Promise<UnitResult>))
    }
    while (ahead.length > 0) await take(await (ahead.shift() as Promise<UnitResult>))
    await flush(true)
    await publishing
  } catch (err) {
    await publishing.catch(() => undefined)
    for (const p of ahead) p.catch(() => undefined)
    await pool.close()
    await cleanup()
    if (!req.force) await env.ledger.release(req.provider, file.sha256, status.id).catch(() => undefined)
    return finish('failed', { reason: err instanceof Error ? err.message : String(err) })
  }
  await pool.close()
  await cleanup()
  if (!req.force) await env.ledger.commit(req.provider, file.sha256, status.id)
  else await env.ledger.commit(req.provider, file.sha256, status.id).catch(() => undefined)
  return finish('succeeded')
}
