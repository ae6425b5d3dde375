/** @module One pull of a file source: list → skip known/unstable → stream to staging → sidecar checksum → batch path → archive. */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { BatchMapping } from '../../../batch/mapping.ts'
import { uuidv7 } from '../../../message/uuidv7.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import type { ArchiveRule } from '../../../sources/kinds/s3.ts'
import { ingestFile, type BatchEnv } from '../batch/ingest.ts'
import { parseChecksum } from '../batch/integrity.ts'
import type { FileStore, RemoteFile } from './file-store.ts'

export type FileSource = {
  name: string
  provider: string
  mapping?: BatchMapping
  /** The folder/prefix the keys start with (archive folders live under it). */
  prefix: string
  glob: string
  min_age_s: number
  archive: ArchiveRule
}

export type FilePullEnv = {
  batch: BatchEnv
  checkpoints: Checkpoints
  stagingDir: string
  holder: string
  leaseTtlMs?: number
}

export type FilePullResult = {
  source: string
  outcome: 'done' | 'nothing_new' | 'locked' | 'failed'
  files: number
  failed: number
  skipped: number
  rows: number
  published: number
  dlq: number
}

const SIDECARS = ['.sha256', '.md5']

/** The item a job records: key plus version, so a re-uploaded file (new ETag/size) is a new item. */
export const itemOf = (f: RemoteFile): string => `${f.key}@${f.etag ?? f.size}`

export async function pullFiles(env: FilePullEnv, src: FileSource, store: FileStore): Promise<FilePullResult> {
  const result: FilePullResult = { source: src.name, outcome: 'nothing_new', files: 0, failed: 0, skipped: 0, rows: 0, published: 0, dlq: 0 }
  const { checkpoints } = env
  if (!(await checkpoints.acquireLease(src.name, env.holder, env.leaseTtlMs ?? 5 * 60_000))) return { ...result, outcome: 'locked' }
  try {
    await mkdir(env.stagingDir, { recursive: true })
    const finished = new Map<string, 'processed' | 'failed'>()
    for (const j of await checkpoints.listJobs(src.name, 100_000)) {
      if (j.status === 'done' || j.status === 'failed') finished.set(j.item, j.status === 'done' ? 'processed' : 'failed')
    }
    const listed = await store.list()
    const keys = new Set(listed.map((f) => f.key))
    const match = globRegExp(src.glob)
    // Remote modification times are wall-clock times.
    const now = Date.now()
    for (const file of listed) {
      const rel = file.key.slice(src.prefix.length)
      if (rel.includes('/') || SIDECARS.some((s) => rel.endsWith(s)) || !match.test(rel)) continue
      const item = itemOf(file)
      const earlier = finished.get(item)
      if (earlier) {
        // Finished before, but the run stopped before the archive step: finish that step, publish nothing.
        if (src.archive.mode === 'move') await archive(store, src, file.key, earlier, keys)
        continue
      }
      if (src.min_age_s > 0 && now - file.modified.getTime() < src.min_age_s * 1000) {
        result.skipped++
        continue
      }
      const ok = await pullOne(env, src, store, file, item, keys, result)
      if (!ok) result.failed++
    }
    if (result.files > 0 || result.failed > 0) result.outcome = result.failed > 0 ? 'failed' : 'done'
    return result
  } finally {
    await checkpoints.releaseLease(src.name, env.holder)
  }
}

async function pullOne(env: FilePullEnv, src: FileSource, store: FileStore, file: RemoteFile, item: string, keys: Set<string>, result: FilePullResult): Promise<boolean> {
  const { checkpoints } = env
  const jobId = uuidv7(env.batch.clock())
  const at = () => new Date(env.batch.clock()).toISOString()
  await checkpoints.startJob({ id: jobId, source: src.name, item, status: 'fetching', startedAt: at() })
  const base = file.key.split('/').pop() ?? file.key
  const path = join(env.stagingDir, `${jobId}-${base}`)
  try {
    await store.download(file.key, path)
    const checksum = await sidecarChecksum(store, file.key, keys)
    await checkpoints.updateJob(jobId, { status: 'ingesting' })
    const status = await ingestFile(env.batch, {
      path,
      provider: src.provider,
      name: base,
      ...(src.mapping ? { mapping: src.mapping } : {}),
      ...(checksum ? { checksum } : {}),
    })
    const alreadyDurable = status.state === 'refused' && status.refusal === 'duplicate_file'
    if (status.state !== 'succeeded' && !alreadyDurable) throw new Error(status.reason ?? status.state)
    // Marked done only now: ingestFile returns after every record is published or in the DLQ.
    await checkpoints.updateJob(jobId, {
      status: 'done',
      rows: status.stats.read,
      published: status.stats.published,
      dlq: status.stats.dlq,
      finishedAt: at(),
      ...(alreadyDurable ? { error: status.reason ?? 'already ingested' } : {}),
    })
    result.files++
    result.rows += status.stats.read
    result.published += status.stats.published
    result.dlq += status.stats.dlq
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err)
    env.batch.log.warn('source file failed', { source: src.name, key: file.key, error })
    await checkpoints.updateJob(jobId, { status: 'failed', error, finishedAt: at() })
    if (src.archive.mode === 'move') await archive(store, src, file.key, 'failed', keys)
    return false
  } finally {
    await rm(path, { force: true })
  }
  // Outside the try: a failed move leaves a done job, which the next run archives without ingesting again.
  if (src.archive.mode === 'move') await archive(store, src, file.key, 'processed', keys)
  return true
}

/** `.sha256` (sha256sum output or bare hex) when present; a `.sha256` that does not parse fails the file. */
async function sidecarChecksum(store: FileStore, key: string, keys: Set<string>): Promise<string | undefined> {
  if (!keys.has(`${key}.sha256`)) return undefined
  const text = await store.readText(`${key}.sha256`)
  if (text === undefined) return undefined
  const hex = parseChecksum(text)
  if (!hex) throw new Error(`${key}.sha256 holds no SHA-256`)
  return hex
}

async function archive(store: FileStore, src: FileSource, key: string, to: 'processed' | 'failed', keys: Set<string>): Promise<void> {
  const rel = key.slice(src.prefix.length)
  const dir = src.prefix + (to === 'processed' ? src.archive.processed : src.archive.failed)
  await store.move(key, dir + rel)
  for (const s of SIDECARS) if (keys.has(key + s)) await store.move(key + s, dir + rel + s)
}

/** `*` and `?` within one path segment; everything else literal. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')
  return new RegExp(`^${body}$`)
}
