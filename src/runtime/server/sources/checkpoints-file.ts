/** @module Checkpoints in local files (no database configured): one state file per source, a lease file beside it. */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ABANDONED_ERROR, type Checkpoints, type FileProgress, type SourceJob } from '../../../sources/checkpoints.ts'

/** `files`: the progress of files being ingested, by item (cleared when each is finished). */
type State = { cursor?: string; jobs: SourceJob[]; files?: Record<string, FileProgress> }
type Lease = { holder: string; until: number }

/** Jobs kept per source; older ones are dropped (the ledger and the cursor are what matter). */
const KEEP_JOBS = 200

export function createFileCheckpoints(dir: string, clock: () => number = Date.now): Checkpoints {
  const stateFile = (s: string) => join(dir, s, 'state.json')
  const leaseFile = (s: string) => join(dir, s, 'lease.json')
  // Only the lease holder writes a source's state, so per-source writes are serialized here.
  const queues = new Map<string, Promise<unknown>>()
  const jobSource = new Map<string, string>()

  const read = async (s: string): Promise<State> => {
    try {
      return JSON.parse(await readFile(stateFile(s), 'utf8')) as State
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: [] }
      throw err
    }
  }
  const update = (s: string, change: (st: State) => void): Promise<void> => {
    const next = (queues.get(s) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const st = await read(s)
      change(st)
      st.jobs = st.jobs.slice(-KEEP_JOBS)
      await mkdir(join(dir, s), { recursive: true })
      await writeDurably(stateFile(s), JSON.stringify(st))
    })
    queues.set(s, next)
    return next
  }

  return {
    kind: 'file',
    async acquireLease(source, holder, ttlMs) {
      await mkdir(join(dir, source), { recursive: true })
      const file = leaseFile(source)
      const lease: Lease = { holder, until: clock() + ttlMs }
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const fh = await open(file, 'wx')
          await fh.writeFile(JSON.stringify(lease))
          await fh.sync()
          await fh.close()
          return true
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        }
        const held = await readLease(file)
        if (held && held.holder !== holder && held.until > clock()) return false
        if (held?.holder === holder) {
          await writeDurably(file, JSON.stringify(lease))
          return true
        }
        // Expired (its holder died or stalled) or torn: take it over.
        await rm(file, { force: true })
      }
      return false
    },
    async releaseLease(source, holder) {
      const held = await readLease(leaseFile(source))
      if (held?.holder === holder) await rm(leaseFile(source), { force: true })
    },
    async getCursor(source) {
      return (await read(source)).cursor
    },
    async setCursor(source, cursor) {
      await update(source, (st) => void (st.cursor = cursor))
    },
    async startJob(job) {
      jobSource.set(job.id, job.source)
      await update(job.source, (st) => void st.jobs.push({ ...job, rows: 0, published: 0, dlq: 0 }))
    },
    async updateJob(id, patch) {
      const source = jobSource.get(id)
      if (source === undefined) throw new Error(`unknown source job ${id}`)
      await update(source, (st) => {
        const job = st.jobs.find((j) => j.id === id)
        if (!job) return
        const { error, ...rest } = patch
        Object.assign(job, rest)
        if (error === null) delete job.error
        else if (error !== undefined) job.error = error
      })
    },
    // By source, not through jobSource: the jobs are a dead process's, which this one never started.
    async abandonUnfinished(source, at) {
      let n = 0
      await update(source, (st) => {
        for (const job of st.jobs) {
          if ((job.status !== 'fetching' && job.status !== 'ingesting') || job.finishedAt !== undefined) continue
          Object.assign(job, { status: 'abandoned', finishedAt: at, error: ABANDONED_ERROR })
          n++
        }
      })
      return n
    },
    async listJobs(source, limit = 20) {
      return (await read(source)).jobs.slice(-limit).reverse()
    },
    async findJob(source, item) {
      return [...(await read(source)).jobs].reverse().find((j) => j.item === item)
    },
    async getFileProgress(source, item) {
      return (await read(source)).files?.[item]
    },
    async setFileProgress(source, item, progress) {
      await update(source, (st) => void (st.files = { ...st.files, [item]: { ...progress } }))
    },
    async clearFileProgress(source, item) {
      await update(source, (st) => {
        if (st.files) delete st.files[item]
      })
    },
    async close() {
      await Promise.all([...queues.values()].map((p) => p.catch(() => undefined)))
    },
  }
}

async function readLease(file: string): Promise<Lease | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Lease
  } catch {
    return undefined
  }
}

/** Write a temporary file, fsync it, rename it over the old one: a crash leaves the old or the new, never half. */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, file)
}
