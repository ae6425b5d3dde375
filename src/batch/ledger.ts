/** @module Which files were ingested: a file (provider + SHA-256) is taken once unless forced. */
import type { Store } from '../store/types.ts'

export type LedgerClaim = { ok: true } | { ok: false; jobId: string; state: 'running' | 'done' }

export type FileLedger = {
  claim(provider: string, sha256: string, jobId: string): Promise<LedgerClaim>
  /** The file was ingested: later claims are duplicates. */
  commit(provider: string, sha256: string, jobId: string): Promise<void>
  /** The job failed: the file may be sent again. */
  release(provider: string, sha256: string, jobId: string): Promise<void>
}

/** Files are remembered this long in a Store (Redis), the same in every instance. */
export const FILE_MEMORY_MS = 90 * 24 * 3600 * 1000
/** A job that holds a claim longer than this without finishing is taken to have died. */
const RUNNING_TTL_MS = 6 * 3600 * 1000

/** A ledger in the shared Store: `idem:batch-file:{provider}:{sha256}`. */
export function createStoreLedger(store: Store): FileLedger {
  const key = (p: string, sha: string) => `idem:batch-file:${p}:${sha}`
  return {
    async claim(provider, sha256, jobId) {
      const r = await store.claim(key(provider, sha256), jobId, RUNNING_TTL_MS)
      if (r.state === 'claimed' || r.state === 'unavailable') return { ok: true }
      return r.state === 'done'
        ? { ok: false, jobId: r.answer.event_id, state: 'done' }
        : { ok: false, jobId: r.eventId, state: 'running' }
    },
    commit: (provider, sha256, jobId) =>
      store.commit(key(provider, sha256), { event_id: jobId, outcome: 'published' }, FILE_MEMORY_MS),
    release: (provider, sha256, jobId) => store.release(key(provider, sha256), jobId),
  }
}
