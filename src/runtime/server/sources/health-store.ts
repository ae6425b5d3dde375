/**
 * @module Where each pull source's breaker / terminal state is kept: a table in the checkpoint
 * database (TXGATE_SOURCES_DATABASE_URL), else a health.json beside each source's checkpoint file.
 * Shared, so a restart and every instance skip (or retry) the same sources.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { openMigratedPool } from './pg-migrated.ts'
import type { Settings } from '../../../config.ts'
import type { HealthStore, SourceHealth } from '../../../sources/breaker.ts'


const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS txgate_source_health (
     source text PRIMARY KEY,
     state text NOT NULL CHECK (state IN ('closed', 'open', 'terminal')),
     failures integer NOT NULL DEFAULT 0,
     since timestamptz NOT NULL,
     retry_at timestamptz,
     last_error text,
     config text,
     updated_at timestamptz NOT NULL DEFAULT now())`,
]

/** A read for /metrics and /ready, bounded: a database that hangs must not hang a scrape or a probe. */
export function readHealth(store: HealthStore, source: string, timeoutMs = 2000): Promise<SourceHealth | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`source health store did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([store.get(source), late]).finally(() => clearTimeout(timer))
}

export function openHealthStore(settings: Settings, batchDir: string): Promise<HealthStore> {
  const url = settings['TXGATE_SOURCES_DATABASE_URL']
  return url ? createPgHealthStore(url) : Promise.resolve(createFileHealthStore(join(batchDir, 'sources')))
}

export async function createPgHealthStore(url: string): Promise<HealthStore> {
  const pool = await openMigratedPool(url, 2, MIGRATIONS)
  return {
    kind: 'postgres',
    async get(source) {
      const r = await pool.query(`SELECT * FROM txgate_source_health WHERE source = $1`, [source])
      const row = r.rows[0] as Record<string, unknown> | undefined
      if (!row) return undefined
      const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : undefined)
      const h: SourceHealth = { state: row['state'] as SourceHealth['state'], failures: Number(row['failures']), since: iso(row['since']) ?? new Date(0).toISOString() }
      const retryAt = iso(row['retry_at'])
      if (retryAt) h.retryAt = retryAt
      if (typeof row['last_error'] === 'string') h.lastError = row['last_error']
      if (typeof row['config'] === 'string') h.config = row['config']
      return h
    },
    async set(source, h) {
      await pool.query(
        `INSERT INTO txgate_source_health (source, state, failures, since, retry_at, last_error, config) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (source) DO UPDATE SET state = EXCLUDED.state, failures = EXCLUDED.failures, since = EXCLUDED.since,
           retry_at = EXCLUDED.retry_at, last_error = EXCLUDED.last_error, config = EXCLUDED.config, updated_at = now()`,
        [source, h.state, h.failures, h.since, h.retryAt ?? null, h.lastError ?? null, h.config ?? null],
      )
    },
    close: () => pool.end(),
  }
}

export function createFileHealthStore(dir: string): HealthStore {
  const file = (s: string) => join(dir, s, 'health.json')
  return {
    kind: 'file',
    async get(source) {
      try {
        return JSON.parse(await readFile(file(source), 'utf8')) as SourceHealth
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async set(source, h) {
      await mkdir(join(dir, source), { recursive: true })
      // A temporary file, fsync'd, renamed over the old one: a crash leaves the old or the new state.
      const tmp = `${file(source)}.${process.pid}.tmp`
      const fh = await open(tmp, 'w')
      try {
        await fh.writeFile(JSON.stringify(h))
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, file(source))
    },
    async close() {},
  }
}
