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
/**
 * A running job's claim on its file is a lease of this long, renewed a third of the way through
 * while the job runs: a job that dies (kill -9) leaves its file free for a retry within one lease,
 * not hours later.
 */
export const DEFAULT_FILE_LEASE_MS = 60_000

/** A ledger in the shared Store: `idem:batch-file:{provider}:{sha256}`. */
export function createStoreLedger(
  store: Store,
  opts: { leaseMs?: number; onLost?: (provider: string, sha256: string, jobId: string) => void } = {},
): FileLedger {
  const leaseMs = opts.leaseMs ?? DEFAULT_FILE_LEASE_MS
  const key = (p: string, sha: string) => `idem:batch-file:${p}:${sha}`
  const renewals = new Map<string, ReturnType<typeof setInterval>>()
  const stop = (k: string, jobId: string) => {
    clearInterval(renewals.get(`${k} ${jobId}`))
    renewals.delete(`${k} ${jobId}`)
  }
  return {
    async claim(provider, sha256, jobId) {
      const k = key(provider, sha256)
      const r = await store.claim(k, jobId, leaseMs)
      if (r.state === 'unavailable') return { ok: true } // fail open: record dedupe still guards
      if (r.state === 'claimed') {
        const timer = setInterval(() => {
          store.renew(k, jobId, leaseMs).then(
            (held) => {
              // Lost (the store forgot it, or a stall outlived the lease): another job may take the
              // file; record dedupe still keeps its rows from being published twice.
              if (!held) opts.onLost?.(provider, sha256, jobId)
            },
            () => undefined, // the store is out: the next renewal tries again
          )
        }, Math.max(1, Math.floor(leaseMs / 3)))
        // A Node timer would otherwise keep a finished CLI alive if a job never ended its claim.
        ;(timer as { unref?: () => void }).unref?.()
        renewals.set(`${k} ${jobId}`, timer)
        return { ok: true }
      }
      return r.state === 'done'
        ? { ok: false, jobId: r.answer.event_id, state: 'done' }
        : { ok: false, jobId: r.eventId, state: 'running' }
    },
    async commit(provider, sha256, jobId) {
      const k = key(provider, sha256)
      stop(k, jobId)
      await store.commit(k, { event_id: jobId, outcome: 'published' }, FILE_MEMORY_MS)
    },
    async release(provider, sha256, jobId) {
      const k = key(provider, sha256)
      stop(k, jobId)
      await store.release(k, jobId)
    },
  }
}
