/**
 * `txgate pull <source>` as a real child process, killed with SIGKILL at several moments of one
 * SFTP file (a real sshd) with its checkpoints in a real PostgreSQL, then run again to the end:
 * nothing is lost, and a record published again after a kill carries the event_id of its first
 * copy (the pulled file's deterministic ids, restamp.ts), so a consumer deduping on event_id sees
 * every row once. A restart right after a kill is told "locked" (75) until the dead holder's lease
 * runs out (up to 60 s; waited for once, expired by hand otherwise). The test prints what each kill
 * cost: the rows published again, and how long the source stayed locked.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSpool } from '../../../../src/runtime/server/spool.ts'
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts'
import { until } from '../../../helpers/queue-messages.ts'
import { deleteKeys, uniquePrefix } from '../../../helpers/redis-server.ts'
import { startSshd, type TestSshd } from '../../../helpers/sshd.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { ACME_HEADER, ACME_MAPPING_YAML, acmeRows } from '../batch/harness.ts'

const BIN = new URL('../../../../bin/txgate.js', import.meta.url).pathname
const ROWS = 20_000
const CHUNK = 250
const FILE = 'day1.csv.gz'

/** `out`: stdout and stderr as they came; `stdout`: the JSON summary alone. */
type Run = { code: number | null; signal: NodeJS.Signals | null; out: string; stdout: string; pid: number }
/** `published`: distinct rows in the spool at the kill, `ahead` of them not checkpointed; `lockedMs`: left of the dead holder's lease; `same`/`other`: the next run's copies of them, under their first event id or another. */
type Kill = { moment: string; published: number; checkpointed: number; ahead: number; lockedMs: number; same: number; other: number }

let sshd: TestSshd
const dbs: TestDatabase[] = []
const cleanups: (() => Promise<void>)[] = []
// A test that fails mid-run leaves no pull behind.
const running = new Set<ChildProcess>()
beforeAll(async () => {
  sshd = await startSshd()
})
afterAll(async () => {
  for (const c of running) c.kill('SIGKILL')
  for (const f of cleanups.splice(0)) await f()
  await sshd?.close()
  for (const db of dbs) await db.drop()
})

async function freshDatabase(label: string): Promise<string> {
  const db = await createTestDatabase(`pullkill_${label}`)
  dbs.push(db)
  return db.url
}

/** One source folder on the sshd with the gzip'd CSV and its sha256sum sidecar; the config and env of a txgate process. */
async function setup(label: string, extraEnv: Record<string, string>) {
  const dir = await tempDir(`pull-kill-${label}`)
  const remote = join(sshd.dir, `out-${label}`)
  await mkdir(remote)
  const gz = gzipSync(`${ACME_HEADER}\n${acmeRows(ROWS)}`)
  await writeFile(join(remote, FILE), gz)
  await writeFile(join(remote, `${FILE}.sha256`), `${createHash('sha256').update(gz).digest('hex')}  ${FILE}\n`)
  await writeFile(
    join(dir, 'sources.yaml'),
    `sources:
  bank:
    kind: sftp
    provider: acme
    host: 127.0.0.1
    port: ${sshd.port}
    username: ${sshd.user}
    private_key_env: SFTP_KEY
    host_key_sha256: ["${sshd.hostFingerprint}"]
    path: ${remote}/
    glob: "*.csv.gz"
    schedule: { every: 1h }
${ACME_MAPPING_YAML}`,
  )
  const databaseUrl = await freshDatabase(label)
  const spoolDir = join(dir, 'spool')
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    TXGATE_SOURCES: join(dir, 'sources.yaml'),
    TXGATE_SOURCES_DATABASE_URL: databaseUrl,
    TXGATE_SPOOL_DIR: spoolDir,
    TXGATE_BATCH_DIR: join(dir, 'batch'),
    TXGATE_BATCH_WORKERS: '0',
    TXGATE_BATCH_CHUNK_SIZE: String(CHUNK),
    SFTP_KEY: sshd.clientKey,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  }
  const db = new pg.Client(databaseUrl)
  cleanups.push(() => db.end())

  /** Starts `txgate pull bank`; `killWhen` is polled every 10 ms and SIGKILLs the process once it holds. */
  const pull = (killWhen?: () => Promise<boolean>): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'pull', 'bank'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
      running.add(child)
      let out = ''
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (stdout += d.toString())))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      let done = false
      child.once('error', reject)
      child.once('exit', (code, signal) => {
        done = true
        running.delete(child)
        resolve({ code, signal, out, stdout, pid: child.pid ?? 0 })
      })
      if (!killWhen) return
      const poll = async () => {
        if (done) return
        if (await killWhen().catch(() => false)) child.kill('SIGKILL')
        else setTimeout(() => void poll(), 10)
      }
      void poll()
    })

  /** Bytes in the spool's segments (what the process has written so far). */
  const spoolBytes = async () => {
    let n = 0
    for (const f of await readdir(spoolDir).catch(() => [] as string[])) if (/^\d/.test(f)) n += (await stat(join(spoolDir, f))).size
    return n
  }
  /** The published records, in spool (append) order. */
  const spooled = async () => {
    const out: { txn: string; eventId: string; ingested: string }[] = []
    for await (const r of readSpool(spoolDir, 'transactions.batch')) {
      const v = r.value as unknown as { transaction_id: string; event_id: string; ingestion_timestamp: string }
      out.push({ txn: v.transaction_id, eventId: v.event_id, ingested: v.ingestion_timestamp })
    }
    return out
  }
  const jobs = async () => (await db.query<{ status: string; rows: string; published: string }>(`SELECT status, rows, published FROM txgate_source_jobs WHERE source = 'bank' ORDER BY started_at`)).rows
  const started = async () => (await jobs().catch(() => [])).length > 0
  await db.connect()

  // Once `ready` holds, `lock` runs in a transaction of the test's (as a slow database would hold
  // those rows): the pull goes on until its next write there, and is killed while that write waits.
  let locker: pg.Client | undefined
  const stalledOn = (ready: () => Promise<boolean>, lock: string) => async () => {
    if (!locker) {
      if (!(await ready())) return false
      locker = new pg.Client(databaseUrl)
      await locker.connect()
      await locker.query('BEGIN')
      await locker.query(lock)
    }
    const waiting = await locker.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
    return (waiting.rowCount ?? 0) > 0
  }
  /** Past `bytes` of spool: killed with the chunk it just wrote to the spool not checkpointed. */
  const checkpointStalled = (bytes: number) => stalledOn(async () => (await spoolBytes()) > bytes, 'LOCK TABLE txgate_source_files IN ACCESS EXCLUSIVE MODE')
  /** Killed with every record published (and the file ledger's entry done), its job not yet marked done. */
  const doneStalled = () => {
    let before: number | undefined
    return stalledOn(async () => {
      const all = await jobs()
      before ??= all.length
      return all.length > before && all.at(-1)?.status === 'ingesting'
    }, `SELECT id FROM txgate_source_jobs WHERE status = 'ingesting' FOR UPDATE`)
  }
  const releaseStall = async () => {
    // The dead process's checkpoint write still waits on the lock in its backend (PostgreSQL has
    // not noticed the client is gone) and would land once the lock is freed: it is ended first,
    // as it is when the server does notice, so the checkpoint stays behind the spool.
    await locker?.query(`SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
    await locker?.query('ROLLBACK')
    await locker?.end()
    locker = undefined
  }
  cleanups.push(releaseStall)
  return { dir, remote, spoolDir, db, pull, spoolBytes, spooled, jobs, started, checkpointStalled, doneStalled, releaseStall }
}

/** `waitForLease`: after the last kill, wait for the dead holder's lease to run out (up to its TTL) instead of expiring it. */
const VARIANTS: { name: string; label: string; waitForLease: boolean; env: () => Record<string, string>; after?: (env: Record<string, string>) => Promise<void> }[] = [
  // A 15 s lease (TXGATE_SOURCE_LEASE_MS) instead of the default 60 s: the one real wait is a quarter as long.
  { name: 'in-process dedupe, ledger on disk', label: 'local', waitForLease: true, env: () => ({ TXGATE_SOURCE_LEASE_MS: '15000' }) },
  {
    name: 'dedupe and file ledger in Redis',
    label: 'redis',
    waitForLease: false,
    env: () => ({ REDIS_URL: 'redis://127.0.0.1:6379', TXGATE_REDIS_PREFIX: uniquePrefix('pull-kill'), TXGATE_BATCH_LEASE_MS: '1000', TXGATE_INFLIGHT_TTL: '2' }),
    after: (env) => deleteKeys(env['TXGATE_REDIS_PREFIX'] as string),
  },
]

describe.each(VARIANTS)('txgate pull killed with SIGKILL, then run again (real sshd, real PostgreSQL; $name)', ({ label, waitForLease, env: makeEnv, after }) => {
  it('publishes every CSV row, each under exactly one event_id (rows published again after a kill carry the SAME event_id, and only rows not yet checkpointed); a restart is locked out until the lease runs out; the file ends in processed/, its job done; a further pull exits 75', async () => {
    const extra = makeEnv()
    if (after) cleanups.push(() => after(extra))
    const t = await setup(label, extra)
    const moments: { moment: string; when: () => Promise<boolean> }[] = [
      // Right as it starts: the lease taken and the job recorded, nothing published yet.
      { moment: 'job started', when: t.started },
      { moment: 'spool past 1 MB', when: async () => (await t.spoolBytes()) > 1_000_000 },
      { moment: 'spool past 4 MB', when: async () => (await t.spoolBytes()) > 4_000_000 },
      // The worst moment, made certain: chunks written to the spool whose checkpoint is not yet saved.
      { moment: 'spool past 8 MB, its checkpoint write held up', when: t.checkpointStalled(8_000_000) },
      // Past the last record: the file is durable, the job row not done yet.
      { moment: 'every row published, the job not yet done', when: t.doneStalled() },
    ]
    const kills: Kill[] = []
    // Each row's first event id, and the records a run appends after the last one read.
    const first = new Map<string, string>()
    let count = 0
    /** Records the last run published again (rows a killed run had published): under their first id, or not. */
    const copiesOfLastRun = async () => {
      const all = await t.spooled()
      const fresh = all.slice(count)
      count = all.length
      const copies = { same: 0, other: 0 }
      for (const r of fresh) {
        const id = first.get(r.txn)
        if (id === undefined) first.set(r.txn, r.eventId)
        else if (id === r.eventId) copies.same++
        else copies.other++
      }
      return copies
    }
    for (const { moment, when } of moments) {
      const killed = await t.pull(when)
      await t.releaseStall()
      expect(killed.signal, `${moment}: the pull ended before the kill:\n${killed.out}`).toBe('SIGKILL')
      // A kill's cost shows in the run after it: the records that run publishes again.
      const copies = await copiesOfLastRun()
      if (kills.length > 0) Object.assign(kills.at(-1) as Kill, copies)
      const progress = (await t.db.query<{ records: string }>(`SELECT records FROM txgate_source_files WHERE source = 'bank'`)).rows[0]
      const checkpointed = Number(progress?.records ?? 0)
      // The dead process's lease stays until its TTL runs out: a restart right away is told "locked".
      const lease = (await t.db.query<{ lease_holder: string | null; left_ms: number | null }>(
        `SELECT lease_holder, (extract(epoch FROM lease_until - now()) * 1000)::int AS left_ms FROM txgate_source_checkpoints WHERE source = 'bank'`,
      )).rows[0]
      const lockedMs = lease?.lease_holder?.endsWith(`:${killed.pid}`) ? Math.max(0, lease.left_ms ?? 0) : 0
      if (lockedMs > 0) {
        const locked = await t.pull()
        expect(locked.code, locked.out).toBe(75)
        expect(JSON.parse(locked.stdout)).toMatchObject({ outcome: 'locked' })
        if (waitForLease && moment === moments.at(-1)?.moment) {
          // Once, the real wait: the restart takes the source over when the dead holder's lease runs out.
          await until(async () => (await t.db.query(`SELECT 1 FROM txgate_source_checkpoints WHERE source = 'bank' AND lease_until < now()`)).rowCount === 1, 30_000)
        } else {
          // Stands for that wait (up to the file pull's lease TTL, 60 s). A wait that long also
          // outlasts the dead process's in-flight dedupe claims (TXGATE_INFLIGHT_TTL=2 with Redis),
          // which would otherwise make the restart leave their chunk for a later retry.
          await new Promise((r) => setTimeout(r, 2_100))
          await t.db.query(`UPDATE txgate_source_checkpoints SET lease_until = now() - interval '1 second' WHERE source = 'bank'`)
        }
      }
      kills.push({ moment, published: first.size, checkpointed, ahead: first.size - checkpointed, lockedMs, same: 0, other: 0 })
    }
    const last = await t.pull()
    expect(last.code, last.out).toBe(0)
    // After the last kill the file was durable already: this run publishes nothing and marks it done.
    expect(JSON.parse(last.stdout)).toMatchObject({ outcome: 'done', published: 0 })
    Object.assign(kills.at(-1) as Kill, await copiesOfLastRun())
    console.log(`pull-kill (${label}): ${ROWS} rows, chunks of ${CHUNK}, what each kill -9 cost:\n${kills.map((k) => `  ${k.moment}: ${k.published} rows published, ${k.checkpointed} checkpointed; ${k.same + k.other} published again (${k.same} under the same event_id, ${k.other} under another)${k.lockedMs > 0 ? `; a restart refused as locked for ${(k.lockedMs / 1000).toFixed(1)} s more (the dead holder's lease)` : ''}`).join('\n')}`)
    // A checkpoint never claims more than was published (those rows would never be published).
    for (const k of kills) expect(k.checkpointed, k.moment).toBeLessThanOrEqual(k.published)
    // Only records published but not checkpointed when the process died go out again.
    for (const k of kills) expect(k.same + k.other, k.moment).toBeLessThanOrEqual(k.ahead)
    // The held-up checkpoint left records in the spool that the database does not know of.
    expect(kills.find((k) => k.moment.includes('checkpoint write held up'))?.ahead).toBeGreaterThan(0)
    const again = await t.pull()
    expect(again.code, again.out).toBe(75)
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'nothing_new' })

    const all = await t.spooled()
    const idsByTxn = new Map<string, Set<string>>()
    for (const r of all) idsByTxn.set(r.txn, (idsByTxn.get(r.txn) ?? new Set()).add(r.eventId))
    expect(idsByTxn.size).toBe(ROWS)
    expect(new Set(idsByTxn.keys())).toEqual(new Set(Array.from({ length: ROWS }, (_, i) => `T${i}`)))
    const underTwoIds = [...idsByTxn].filter(([, ids]) => ids.size !== 1).map(([txn]) => txn)
    expect(underTwoIds).toEqual([])
    // The first attempt's time is kept: a copy is the same message, byte for byte.
    expect(new Set(all.map((r) => r.ingested)).size).toBe(1)

    const jobs = await t.jobs()
    // The done job counts the whole file, though the attempt that published its rows was killed.
    // (With Redis, rows a killed attempt published before its checkpoint count as duplicates of the restart.)
    expect(jobs.filter((j) => j.status === 'done')).toEqual([{ status: 'done', rows: String(ROWS), published: label === 'local' ? String(ROWS) : expect.any(String) }])
    // Each killed run's job was closed by the run after it (on taking the lease): none looks still running.
    const ends = (await t.db.query<{ status: string; finished: boolean }>(`SELECT status, finished_at IS NOT NULL AS finished FROM txgate_source_jobs WHERE source = 'bank' ORDER BY started_at`)).rows
    expect(ends).toEqual([...kills.map(() => ({ status: 'abandoned', finished: true })), { status: 'done', finished: true }])
    expect((await t.db.query(`SELECT * FROM txgate_source_files`)).rows).toEqual([])
    expect((await readdir(t.remote, { recursive: true })).sort()).toEqual(['processed', `processed/${FILE}`, `processed/${FILE}.sha256`])
    expect(all.length - ROWS).toBe(kills.reduce((n, k) => n + k.same + k.other, 0))
  }, 300_000)
})
