/** @module Checkpoints in PostgreSQL (TXGATE_SOURCES_DATABASE_URL): leases and cursors shared by every instance. */
import { openMigratedPool } from './pg-migrated.ts'
import { ABANDONED_ERROR, type Checkpoints, type FileProgress, type SourceJob } from '../../../sources/checkpoints.ts'


const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS txgate_source_checkpoints (
     source text PRIMARY KEY,
     cursor text,
     lease_holder text,
     lease_until timestamptz,
     updated_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS txgate_source_jobs (
     id text PRIMARY KEY,
     source text NOT NULL,
     item text NOT NULL,
     status text NOT NULL CHECK (status IN ('fetching', 'ingesting', 'done', 'failed')),
     rows bigint NOT NULL DEFAULT 0,
     published bigint NOT NULL DEFAULT 0,
     dlq bigint NOT NULL DEFAULT 0,
     started_at timestamptz NOT NULL,
     finished_at timestamptz,
     error text)`,
  `CREATE INDEX IF NOT EXISTS txgate_source_jobs_by_source ON txgate_source_jobs (source, started_at DESC)`,
  // An S3 event names one object: its job is looked up by item, not by scanning the source's jobs.
  `CREATE INDEX IF NOT EXISTS txgate_source_jobs_by_item ON txgate_source_jobs (source, item, started_at DESC)`,
  // A file being ingested: how far it got durably, so a pull killed mid-file resumes there.
  `CREATE TABLE IF NOT EXISTS txgate_source_files (
     source text NOT NULL,
     item text NOT NULL,
     sha256 text NOT NULL,
     event_time_ms bigint NOT NULL,
     records bigint NOT NULL,
     published bigint NOT NULL,
     duplicates bigint NOT NULL,
     dlq bigint NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (source, item))`,
  // Status `abandoned` (a dead run's job, closed by the next lease holder). The check is replaced
  // once, not on every start: adding a CHECK scans the table under an exclusive lock.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'txgate_source_jobs'::regclass AND conname = 'txgate_source_jobs_status_v2') THEN
       ALTER TABLE txgate_source_jobs DROP CONSTRAINT IF EXISTS txgate_source_jobs_status_check;
       ALTER TABLE txgate_source_jobs ADD CONSTRAINT txgate_source_jobs_status_v2 CHECK (status IN ('fetching', 'ingesting', 'done', 'failed', 'abandoned'));
     END IF;
   END $$`,
  // Every pull looks for its source's unfinished jobs: only those are indexed.
  `CREATE INDEX IF NOT EXISTS txgate_source_jobs_unfinished ON txgate_source_jobs (source) WHERE finished_at IS NULL`,
]

export async function createPgCheckpoints(url: string): Promise<Checkpoints> {
  const pool = await openMigratedPool(url, 4, MIGRATIONS)
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params)

  return {
    kind: 'postgres',
    async acquireLease(source, holder, ttlMs) {
      // One statement: a free, expired or own lease is taken; another holder's live lease returns no row.
      const r = await q(
        `INSERT INTO txgate_source_checkpoints AS c (source, lease_holder, lease_until)
         VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (source) DO UPDATE SET lease_holder = EXCLUDED.lease_holder, lease_until = EXCLUDED.lease_until, updated_at = now()
         WHERE c.lease_holder IS NULL OR c.lease_until < now() OR c.lease_holder = EXCLUDED.lease_holder
         RETURNING source`,
        [source, holder, ttlMs],
      )
      return (r.rowCount ?? 0) > 0
    },
    async releaseLease(source, holder) {
      await q(`UPDATE txgate_source_checkpoints SET lease_holder = NULL, lease_until = NULL, updated_at = now() WHERE source = $1 AND lease_holder = $2`, [source, holder])
    },
    async getCursor(source) {
      const r = await q(`SELECT cursor FROM txgate_source_checkpoints WHERE source = $1`, [source])
      return (r.rows[0] as { cursor: string | null } | undefined)?.cursor ?? undefined
    },
    async setCursor(source, cursor) {
      await q(
        `INSERT INTO txgate_source_checkpoints (source, cursor) VALUES ($1, $2)
         ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
        [source, cursor],
      )
    },
    async startJob(job) {
      await q(`INSERT INTO txgate_source_jobs (id, source, item, status, started_at) VALUES ($1, $2, $3, $4, $5)`, [job.id, job.source, job.item, job.status, job.startedAt])
    },
    async updateJob(id, patch) {
      const cols: Record<string, unknown> = {
        status: patch.status,
        rows: patch.rows,
        published: patch.published,
        dlq: patch.dlq,
        finished_at: patch.finishedAt,
        error: patch.error,
      }
      const set = Object.entries(cols).filter(([, v]) => v !== undefined)
      if (set.length === 0) return
      await q(`UPDATE txgate_source_jobs SET ${set.map(([k], i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...set.map(([, v]) => v)])
    },
    async abandonUnfinished(source, at) {
      const r = await q(
        `UPDATE txgate_source_jobs SET status = 'abandoned', finished_at = $2, error = $3
         WHERE source = $1 AND finished_at IS NULL AND status IN ('fetching', 'ingesting')`,
        [source, at, ABANDONED_ERROR],
      )
      return r.rowCount ?? 0
    },
    async listJobs(source, limit = 20) {
      const r = await q(`SELECT * FROM txgate_source_jobs WHERE source = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, [source, limit])
      return r.rows.map(toJob)
    },
    async findJob(source, item) {
      const r = await q(`SELECT * FROM txgate_source_jobs WHERE source = $1 AND item = $2 ORDER BY started_at DESC, id DESC LIMIT 1`, [source, item])
      return r.rows[0] ? toJob(r.rows[0] as Record<string, unknown>) : undefined
    },
    async getFileProgress(source, item) {
      const r = await q(`SELECT * FROM txgate_source_files WHERE source = $1 AND item = $2`, [source, item])
      const row = r.rows[0] as Record<string, unknown> | undefined
      if (!row) return undefined
      return {
        sha256: String(row['sha256']),
        eventTimeMs: Number(row['event_time_ms']),
        records: Number(row['records']),
        published: Number(row['published']),
        duplicates: Number(row['duplicates']),
        dlq: Number(row['dlq']),
      } satisfies FileProgress
    },
    async setFileProgress(source, item, p) {
      await q(
        `INSERT INTO txgate_source_files (source, item, sha256, event_time_ms, records, published, duplicates, dlq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (source, item) DO UPDATE SET sha256 = EXCLUDED.sha256, event_time_ms = EXCLUDED.event_time_ms, records = EXCLUDED.records,
           published = EXCLUDED.published, duplicates = EXCLUDED.duplicates, dlq = EXCLUDED.dlq, updated_at = now()`,
        [source, item, p.sha256, p.eventTimeMs, p.records, p.published, p.duplicates, p.dlq],
      )
    },
    async clearFileProgress(source, item) {
      await q(`DELETE FROM txgate_source_files WHERE source = $1 AND item = $2`, [source, item])
    },
    close: () => pool.end(),
  }
}

function toJob(row: Record<string, unknown>): SourceJob {
  return {
    id: String(row['id']),
    source: String(row['source']),
    item: String(row['item']),
    status: row['status'] as SourceJob['status'],
    rows: Number(row['rows']),
    published: Number(row['published']),
    dlq: Number(row['dlq']),
    startedAt: (row['started_at'] as Date).toISOString(),
    ...(row['finished_at'] ? { finishedAt: (row['finished_at'] as Date).toISOString() } : {}),
    ...(row['error'] ? { error: String(row['error']) } : {}),
  }
}
