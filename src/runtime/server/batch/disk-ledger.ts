/** @module The file ledger on local disk: one small file per ingested file, kept across CLI runs. */
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileLedger } from '../../../batch/ledger.ts'
import { isProcessAlive } from '../process-alive.ts'

type Entry = { jobId: string; state: 'running' | 'done'; pid: number }

/**
 * With the in-process store, `txgate ingest` runs forget everything when they exit; this ledger
 * keeps what was ingested in `<dir>/<provider>/<sha256>.json` (created with O_EXCL, so two
 * concurrent runs of the same file cannot both claim it).
 */
export function createDiskLedger(dir: string): FileLedger {
  const path = (p: string, sha: string) => join(dir, p, `${sha}.json`)
  return {
    async claim(provider, sha256, jobId) {
      await mkdir(join(dir, provider), { recursive: true })
      const file = path(provider, sha256)
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const fh = await open(file, 'wx')
          await fh.writeFile(JSON.stringify({ jobId, state: 'running', pid: process.pid } satisfies Entry))
          await fh.close()
          return { ok: true }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        }
        const entry = await readEntry(file)
        if (entry && (entry.state === 'done' || isProcessAlive(entry.pid))) return { ok: false, jobId: entry.jobId, state: entry.state }
        // The claiming process died mid-job (or the entry is torn): the claim is stale.
        await rm(file, { force: true })
      }
      return { ok: false, jobId: 'unknown', state: 'running' }
    },
    async commit(provider, sha256, jobId) {
      const file = path(provider, sha256)
      await writeFile(`${file}.tmp`, JSON.stringify({ jobId, state: 'done', pid: process.pid } satisfies Entry))
      await rename(`${file}.tmp`, file)
    },
    async release(provider, sha256, jobId) {
      const file = path(provider, sha256)
      const entry = await readEntry(file)
      if (entry?.jobId === jobId) await rm(file, { force: true })
    },
  }
}

async function readEntry(file: string): Promise<Entry | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Entry
  } catch {
    return undefined
  }
}

