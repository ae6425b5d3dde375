/** @module One pull of a file source: list → skip known/unstable → stream to staging → sidecar checksums → batch path → archive. */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileIdSeed } from '../../../batch/event-ids.ts'
import type { BatchMapping } from '../../../batch/mapping.ts'
import { uuidv7 } from '../../../message/uuidv7.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import type { ArchiveRule } from '../../../sources/kinds/s3.ts'
import { ingestFile, type BatchEnv, type ResumeHooks } from '../batch/ingest.ts'
import { parseChecksum } from '../batch/integrity.ts'
import { abandonDeadRuns, PULL_LEASE_TTL_MS, renewLease } from './source-lease.ts'
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
  /** Dry run only: what a pull would fetch now. */
  wouldFetch?: { key: string; size: number }[]
}

/**
 * One file's end: `done` ingested (or found ingested before); `failed` refused for good and archived
 * as failed; `changed` it changed while fetched (still being written); `retry` a transient error.
 * The last two leave the file where it is and its job unfinished, so the next run tries again.
 */
export type FileOutcome = { key: string; status: 'done' | 'failed' | 'changed' | 'retry'; rows: number; published: number; dlq: number; error?: string }

export const SIDECARS = ['.sha256', '.md5'] as const

/** The item a job records: key plus version, so a re-uploaded file (new ETag/size) is a new item. */
export const itemOf = (f: Pick<RemoteFile, 'key' | 'size' | 'etag'>): string => `${f.key}@${f.etag ?? f.size}`

export async function pullFiles(env: FilePullEnv, src: FileSource, store: FileStore, opts: { dryRun?: boolean } = {}): Promise<FilePullResult> {
  const result: FilePullResult = { source: src.name, outcome: 'nothing_new', files: 0, failed: 0, skipped: 0, rows: 0, published: 0, dlq: 0 }
  const { checkpoints } = env
  const ttl = env.leaseTtlMs ?? PULL_LEASE_TTL_MS
  // A dry run writes nothing (no lease, no job), so it may run beside a real one.
  if (!opts.dryRun && !(await checkpoints.acquireLease(src.name, env.holder, ttl))) return { ...result, outcome: 'locked' }
  const renewing = opts.dryRun ? undefined : renewLease(env, src.name, ttl)
  try {
    if (!opts.dryRun) await abandonDeadRuns(env, src.name)
    const finished = new Map<string, 'processed' | 'failed'>()
    for (const j of await checkpoints.listJobs(src.name, 100_000)) {
      if (j.status === 'done' || j.status === 'failed') finished.set(j.item, j.status === 'done' ? 'processed' : 'failed')
    }
    const listed = await store.list()
    const keys = new Set(listed.map((f) => f.key))
    // Remote modification times are wall-clock times.
    const now = Date.now()
    const todo: RemoteFile[] = []
    for (const file of listed) {
      if (!wanted(src, file.key)) continue
      const earlier = finished.get(itemOf(file))
      if (earlier) {
        // Finished before, but the run stopped before the archive step: finish that step, publish nothing.
        if (src.archive.mode === 'move' && !opts.dryRun) await archive(store, src, file.key, earlier, keys)
        continue
      }
      if (src.min_age_s > 0 && now - file.modified.getTime() < src.min_age_s * 1000) result.skipped++
      else todo.push(file)
    }
    if (opts.dryRun) return { ...result, outcome: todo.length > 0 ? 'done' : 'nothing_new', wouldFetch: todo.map((f) => ({ key: f.key, size: f.size })) }
    for (const file of todo) {
      const r = await ingestRemoteFile(env, src, store, file, keys)
      if (r.status === 'changed') result.skipped++
      else if (r.status !== 'done') result.failed++
      else Object.assign(result, { files: result.files + 1, rows: result.rows + r.rows, published: result.published + r.published, dlq: result.dlq + r.dlq })
    }
    if (result.files > 0 || result.failed > 0) result.outcome = result.failed > 0 ? 'failed' : 'done'
    return result
  } finally {
    await renewing?.stop()
    if (!opts.dryRun) await checkpoints.releaseLease(src.name, env.holder)
  }
}


/** Whether a key is one of the source's files: directly under the prefix, matching the glob, not a sidecar. */
export function wanted(src: Pick<FileSource, 'prefix' | 'glob'>, key: string): boolean {
  if (!key.startsWith(src.prefix)) return false
  const rel = key.slice(src.prefix.length)
  return !rel.includes('/') && !SIDECARS.some((s) => rel.endsWith(s)) && globRegExp(src.glob).test(rel)
}

/**
 * Fetches one file (its job recorded), checks its size against the listing and its sidecars, runs
 * it through the batch path and archives it. `present` holds the keys known to exist (sidecars).
 */
export async function ingestRemoteFile(env: FilePullEnv, src: FileSource, store: FileStore, file: RemoteFile, present: ReadonlySet<string>): Promise<FileOutcome> {
  const { checkpoints } = env
  const jobId = uuidv7(env.batch.clock())
  const at = () => new Date(env.batch.clock()).toISOString()
  const out: FileOutcome = { key: file.key, status: 'done', rows: 0, published: 0, dlq: 0 }
  await checkpoints.startJob({ id: jobId, source: src.name, item: itemOf(file), status: 'fetching', startedAt: at() })
  const base = file.key.split('/').pop() ?? file.key
  const path = join(env.stagingDir, `${jobId}-${base}`)
  try {
    await mkdir(env.stagingDir, { recursive: true })
    let fetched
    try {
      fetched = await store.download(file.key, path)
    } catch (err) {
      return await unfinished(env, jobId, out, 'retry', `download failed: ${messageOf(err)}`)
    }
    const change = await changedSince(store, file, fetched)
    if (change) return await unfinished(env, jobId, out, 'changed', `${change}: not ingested yet, tried again by the next run`)
    const sums = await sidecars(store, file.key, present)
    if (sums.md5 !== undefined && sums.md5 !== fetched.md5) throw new Refused(`MD5 is ${fetched.md5}, ${file.key}.md5 says ${sums.md5}`)
    await checkpoints.updateJob(jobId, { status: 'ingesting' })
    const status = await ingestFile(env.batch, {
      path,
      provider: src.provider,
      name: base,
      resume: resumeHooks(env, src.name, file),
      ...(src.mapping ? { mapping: src.mapping } : {}),
      ...(sums.sha256 ? { checksum: sums.sha256 } : {}),
    })
    const alreadyDurable = status.state === 'refused' && status.refusal === 'duplicate_file' && /already ingested/.test(status.reason ?? '')
    if (status.state === 'refused' && !alreadyDurable && status.refusal !== 'duplicate_file' && status.refusal !== 'no_mapping') throw new Refused(status.reason ?? status.state)
    // Another job holds the file (being ingested), a missing mapping, Kafka and the spool down: not the file's fault.
    if (status.state !== 'succeeded' && !alreadyDurable) return await unfinished(env, jobId, out, 'retry', status.reason ?? status.state)
    // Marked done only now: ingestFile returns after every record is published or in the DLQ.
    Object.assign(out, { rows: status.stats.read, published: status.stats.published, dlq: status.stats.dlq })
    // Ingested whole by an attempt killed before it marked its job done: that attempt's checkpoint
    // holds the file's counts (this run published none; its job row would say 0 rows).
    const earlier = alreadyDurable ? await checkpoints.getFileProgress(src.name, itemOf(file)) : undefined
    await checkpoints.updateJob(jobId, {
      status: 'done',
      rows: earlier?.records ?? out.rows,
      published: earlier?.published ?? out.published,
      dlq: earlier?.dlq ?? out.dlq,
      finishedAt: at(),
      // null: a job marked abandoned meanwhile (an S3 event's, which holds no lease) finished after all.
      error: alreadyDurable ? (status.reason ?? 'already ingested') : null,
    })
    // After the job is done: a kill in between leaves a done job, whose progress no one reads.
    await forget(env, src.name, file)
  } catch (err) {
    if (!(err instanceof Refused)) return await unfinished(env, jobId, out, 'retry', messageOf(err))
    out.status = 'failed'
    out.error = err.message
    env.batch.log.warn('source file failed', { source: src.name, key: file.key, error: err.message })
    await checkpoints.updateJob(jobId, { status: 'failed', error: err.message, finishedAt: at() })
    await forget(env, src.name, file)
    if (src.archive.mode === 'move') await archive(store, src, file.key, 'failed', present)
    return out
  } finally {
    await rm(path, { force: true })
  }
  // Outside the try: a failed move leaves a done job, which the next run archives without ingesting again.
  if (src.archive.mode === 'move') await archive(store, src, file.key, 'processed', present)
  return out
}

export async function archive(store: FileStore, src: FileSource, key: string, to: 'processed' | 'failed', present: ReadonlySet<string>): Promise<void> {
  const rel = key.slice(src.prefix.length)
  const dir = src.prefix + (to === 'processed' ? src.archive.processed : src.archive.failed)
  await store.move(key, dir + rel)
  for (const s of SIDECARS) if (present.has(key + s)) await store.move(key + s, dir + rel + s)
}

// --- Internal helpers ---

/**
 * Exactly once under kill -9: the leading records durably published are checkpointed after each
 * chunk, and a later attempt at the same content skips them; the event ids follow from (source,
 * key, SHA-256, line) and the first attempt's time, so a record published again (killed between
 * its fsync or ack and the checkpoint) carries the same event_id, which consumers dedupe on.
 */
function resumeHooks(env: FilePullEnv, source: string, file: RemoteFile): ResumeHooks {
  const item = itemOf(file)
  let fixed: { sha256: string; eventTimeMs: number } | undefined
  return {
    async from(sha256) {
      const earlier = await env.checkpoints.getFileProgress(source, item)
      const at = earlier?.sha256 === sha256 ? earlier : { sha256, eventTimeMs: env.batch.clock(), records: 0, published: 0, duplicates: 0, dlq: 0 }
      // The time is stored before anything is published: every later attempt mints the same ids.
      if (at !== earlier) await env.checkpoints.setFileProgress(source, item, at)
      fixed = { sha256, eventTimeMs: at.eventTimeMs }
      if (at.records > 0) env.batch.log.info('source file resumed', { source, key: file.key, records: at.records })
      return {
        records: at.records,
        counts: { published: at.published, duplicates: at.duplicates, dlq: at.dlq },
        eventTimeMs: at.eventTimeMs,
        idSeed: await fileIdSeed(source, file.key, sha256),
      }
    },
    async durable(p) {
      if (!fixed) throw new Error('progress reported before the resume point was read')
      await env.checkpoints.setFileProgress(source, item, { ...fixed, records: p.records, ...p.counts })
    },
  }
}

/** The file's own fault (checksum, format): it goes to failed/ and is not tried again. */
class Refused extends Error {}

/** A finished file's progress is dropped; left behind (the database failed), it is only never read. */
const forget = (env: FilePullEnv, source: string, file: RemoteFile) =>
  env.checkpoints.clearFileProgress(source, itemOf(file)).catch((err: unknown) => env.batch.log.warn('source file progress not cleared', { source, key: file.key, error: messageOf(err) }))

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

async function unfinished(env: FilePullEnv, jobId: string, out: FileOutcome, status: 'changed' | 'retry', error: string): Promise<FileOutcome> {
  env.batch.log.warn(status === 'changed' ? 'source file changed while fetched' : 'source file not ingested, will retry', { key: out.key, error })
  // The job keeps its fetching/ingesting status: only done and failed jobs are final.
  await env.checkpoints.updateJob(jobId, { error, finishedAt: new Date(env.batch.clock()).toISOString() })
  return { ...out, status, error }
}

/** A file still being written (SFTP) or replaced (S3) is fetched again later, never half-ingested. */
async function changedSince(store: FileStore, listed: RemoteFile, fetched: { bytes: number; etag?: string }): Promise<string | undefined> {
  if (listed.etag !== undefined && fetched.etag !== undefined && fetched.etag !== listed.etag) return `version changed (ETag ${listed.etag} → ${fetched.etag})`
  if (fetched.bytes !== listed.size) return `size changed while fetched (${listed.size} listed, ${fetched.bytes} read)`
  // An object version (S3) never changes; a file (SFTP) may still be appended to after we read it.
  if (listed.etag !== undefined && fetched.etag === listed.etag) return undefined
  const now = await store.stat(listed.key)
  if (!now) return 'gone while fetched'
  if (now.size !== listed.size || now.modified.getTime() !== listed.modified.getTime()) return `still growing (${listed.size} → ${now.size} bytes)`
  return undefined
}

/** `.sha256` (sha256sum output or bare hex) and `.md5` (md5sum or BSD `MD5 (f) = hex`); one that does not parse fails the file. */
async function sidecars(store: FileStore, key: string, present: ReadonlySet<string>): Promise<{ sha256?: string; md5?: string }> {
  const read = async (ext: string) => (present.has(key + ext) ? store.readText(key + ext) : undefined)
  const [sha, md5] = await Promise.all([read('.sha256'), read('.md5')])
  const out: { sha256?: string; md5?: string } = {}
  if (sha !== undefined) {
    const hex = parseChecksum(sha)
    if (!hex) throw new Refused(`${key}.sha256 holds no SHA-256`)
    out.sha256 = hex
  }
  if (md5 !== undefined) {
    const hex = parseMd5(md5)
    if (!hex) throw new Refused(`${key}.md5 holds no MD5`)
    out.md5 = hex
  }
  return out
}

export function parseMd5(text: string): string | undefined {
  const t = text.trim()
  const token = (/^MD5 \(.*\) = ([0-9a-f]{32})$/i.exec(t)?.[1] ?? t.split(/\s+/)[0] ?? '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(token) ? token : undefined
}

/** `*` and `?` within one path segment; everything else literal. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')
  return new RegExp(`^${body}$`)
}
