/** @module A PostgreSQL pool for the sources' tables, with their migrations run once at open. */
import pg from 'pg'

const MIGRATION_LOCK = 0x7478_6761 // "txga": one instance migrates at a time, for every sources table

/** Opens a pool and runs `migrations` (idempotent DDL) under the shared advisory lock. */
export async function openMigratedPool(url: string, max: number, migrations: readonly string[]): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max })
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    for (const sql of migrations) await client.query(sql)
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
    client.release()
  }
  return pool
}
