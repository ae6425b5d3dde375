/** @module One pull of one source: pages → NDJSON staging files → the batch path → the cursor, in that order. */
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { BatchMapping } from '../../../batch/mapping.ts'
import { uuidv7 } from '../../../message/uuidv7.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import { isQueueSource, type SourceConfig } from '../../../sources/config.ts'
import { ingestFile, mappingFor, type BatchEnv } from '../batch/ingest.ts'
import { createHttpPoller, type FetchEnv } from './http-poll.ts'
import { pullFileSource } from './pull-file-source.ts'
import { abandonDeadRuns, PULL_LEASE_TTL_MS, renewLease } from './source-lease.ts'
import { isTerminal, TerminalError } from './terminal.ts'

type HttpPollSourceConfig = Extract<SourceConfig, { kind: 'http-poll' }>

/** `skipped`: the scheduler did not run it (its circuit is open, or it is terminal: breaker.ts). */
export type PullOutcome = 'done' | 'nothing_new' | 'locked' | 'failed' | 'skipped'

export type PullResult = {
  source: string
  outcome: PullOutcome
  pages: number
  rows: number
  published: number
  dlq: number
  duplicates: number
  cursor?: string
  error?: string
  /** Bytes fetched from the source (pages, files), whether ingested or not. */
  bytes?: number
  /** The failure is permanent (credentials, a missing folder/bucket/endpoint): the source turns terminal. */
  terminal?: boolean
  /** A file kind's dry run: the files a pull would fetch now. */
  wouldFetch?: { key: string; size: number }[]
}

export type PullEnv = {
  batch: BatchEnv
  checkpoints: Checkpoints
  /** Where page files are staged before ingest (removed after). */
  stagingDir: string
  holder: string
  leaseTtlMs?: number
  fetch?: FetchEnv
  /** Fetch and count the pages (http-poll) or list the files (s3, sftp) only: nothing is ingested or moved. */
  dryRun?: boolean
  onPage?: (r: Readonly<PullResult>) => void
}

/** Shell exit codes: 0 done, 1 failed, 75 (EX_TEMPFAIL) nothing new or another holder runs it. */
export const pullExitCode = (o: PullOutcome): number => (o === 'done' ? 0 : o === 'failed' ? 1 : 75)

const STATUS_FIELD = '_txgate_status'

export async function pullSource(env: PullEnv, src: SourceConfig): Promise<PullResult> {
  const result: PullResult = { source: src.name, outcome: 'nothing_new', pages: 0, rows: 0, published: 0, dlq: 0, duplicates: 0 }
  if (isQueueSource(src)) return { ...result, outcome: 'failed', error: `source "${src.name}" is a ${src.kind} queue: it is consumed (txgate consume ${src.name}, or the gateway), not pulled` }
  if (src.kind !== 'http-poll') return pullFileSource(env, src)
  // The same lease as a file pull's: renewed while the run lasts (a slow page cannot let another
  // instance in), and one TTL after a kill -9 the source is free again (it was 5 min).
  const ttl = env.leaseTtlMs ?? PULL_LEASE_TTL_MS
  const { checkpoints } = env
  if (!(await checkpoints.acquireLease(src.name, env.holder, ttl))) return { ...result, outcome: 'locked' }
  const renewing = renewLease(env, src.name, ttl)
  try {
    // A dry run writes no job, and closes none.
    if (!env.dryRun) await abandonDeadRuns(env, src.name)
    const base = src.mapping ?? mappingFor(env.batch, src.provider)
    if (!base) throw new TerminalError(`source "${src.name}": no batch mapping for provider "${src.provider}" (add "mapping" to the source)`)
    const mapping = stagedMapping(base)
    const poller = createHttpPoller(src, env.fetch ?? { env: process.env })
    await mkdir(env.stagingDir, { recursive: true })
    let cursor = await checkpoints.getCursor(src.name)
    for (;; cursor = env.dryRun ? (result.cursor ?? cursor) : await checkpoints.getCursor(src.name)) {
      if (cursor !== undefined) result.cursor = cursor
      const jobId = uuidv7(env.batch.clock())
      const item = `cursor:${cursor ?? 'start'}`
      let page
      try {
        page = await poller.page(cursor)
      } catch (err) {
        await recordFailure(checkpoints, { id: jobId, source: src.name, item }, env.batch.clock, err)
        throw err
      }
      result.bytes = (result.bytes ?? 0) + page.bytes
      if (page.rows.length === 0 || (page.next === cursor && src.cursor.type !== 'next_token')) break
      if (env.dryRun) {
        Object.assign(result, { outcome: 'done', pages: result.pages + 1, rows: result.rows + page.rows.length })
        if (page.next !== undefined) result.cursor = page.next
        if (page.last || page.next === cursor) break
        continue
      }
      await checkpoints.startJob({ id: jobId, source: src.name, item, status: 'ingesting', startedAt: new Date(env.batch.clock()).toISOString() })
      // The same page always stages to the same bytes, so after a crash it meets the file ledger as a duplicate.
      const path = join(env.stagingDir, `${src.name}-${jobId}.ndjson`)
      await writeLines(path, page.rows.map((r) => stageRow(src, base, r)))
      const status = await ingestFile(env.batch, { path, provider: src.provider, mapping, name: `${src.name}@${item}.ndjson` }).finally(() => rm(path, { force: true }))
      const alreadyDurable = status.state === 'refused' && status.refusal === 'duplicate_file' && /already ingested/.test(status.reason ?? '')
      // An opaque token's last page is fetched again by the next run: unchanged, it is nothing new.
      if (alreadyDurable && page.next === cursor) {
        await checkpoints.updateJob(jobId, { status: 'done', rows: 0, finishedAt: new Date(env.batch.clock()).toISOString(), error: null })
        break
      }
      if (status.state !== 'succeeded' && !alreadyDurable) {
        const error = status.reason ?? status.state
        await checkpoints.updateJob(jobId, { status: 'failed', rows: page.rows.length, error, finishedAt: new Date(env.batch.clock()).toISOString() })
        throw new Error(`source "${src.name}": page after ${item} was not ingested: ${error}`)
      }
      // Only now, with every record of the page published (or found published before), does the cursor move.
      if (page.next !== undefined) await checkpoints.setCursor(src.name, page.next)
      await checkpoints.updateJob(jobId, {
        status: 'done',
        rows: page.rows.length,
        published: status.stats.published,
        dlq: status.stats.dlq,
        finishedAt: new Date(env.batch.clock()).toISOString(),
        // null: marked abandoned by a holder that took the lease over from this stalled run, it finished after all.
        error: alreadyDurable ? 'page was already ingested (a run stopped before its cursor was saved); cursor advanced' : null,
      })
      result.outcome = 'done'
      result.pages++
      result.rows += alreadyDurable ? 0 : page.rows.length
      result.published += status.stats.published
      result.dlq += status.stats.dlq
      result.duplicates += status.stats.duplicates
      if (page.next !== undefined) result.cursor = page.next
      env.onPage?.(result)
      if (page.last) break
    }
    return result
  } catch (err) {
    return { ...result, outcome: 'failed', error: err instanceof Error ? err.message : String(err), ...(isTerminal(err) ? { terminal: true } : {}) }
  } finally {
    await renewing.stop()
    await checkpoints.releaseLease(src.name, env.holder).catch(() => undefined)
  }
}

/** Rows are staged with their status in one field, so a soft delete can carry its own status. */
function stagedMapping(m: BatchMapping): BatchMapping {
  return { ...m, format: 'ndjson', column_mapping: { ...m.column_mapping, status: STATUS_FIELD } }
}

function stageRow(src: HttpPollSourceConfig, m: BatchMapping, row: Record<string, unknown>): Record<string, unknown> {
  const statusCol = m.column_mapping.status
  const own = statusCol !== undefined ? row[statusCol] : undefined
  const live = own === undefined || own === null || own === '' ? m.defaults?.status : String(own)
  const deleted = isTruthy(row[src.soft_delete.field])
  // action "dlq": no status, so the record goes to the DLQ with its raw row (never silently dropped).
  const status = deleted ? (src.soft_delete.action === 'status' ? src.soft_delete.status : undefined) : live
  return status === undefined ? { ...row } : { ...row, [STATUS_FIELD]: status }
}

const isTruthy = (v: unknown) => v === true || v === 1 || v === 'true' || v === '1'

async function writeLines(path: string, rows: Record<string, unknown>[]): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function recordFailure(cp: Checkpoints, job: { id: string; source: string; item: string }, clock: () => number, err: unknown): Promise<void> {
  const at = new Date(clock()).toISOString()
  await cp.startJob({ ...job, status: 'fetching', startedAt: at }).catch(() => undefined)
  await cp.updateJob(job.id, { status: 'failed', error: err instanceof Error ? err.message : String(err), finishedAt: at }).catch(() => undefined)
}
