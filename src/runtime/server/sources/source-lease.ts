/** @module A pull's hold on its source: the lease (renewed while the run lasts) and closing the jobs of runs that died holding it. */
import type { Logger } from '../../../observability/log.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'

type LeaseEnv = { checkpoints: Checkpoints; batch: { clock: () => number; log: Logger } }

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/**
 * A pull's lease on its source (file or http-poll), renewed every third of it while the run lasts:
 * a file or a page may take longer than one lease (without renewal a second instance took the
 * source over mid-run), and a holder killed with kill -9 frees the source one TTL after its last
 * renewal.
 */
export const PULL_LEASE_TTL_MS = 60_000

/** TXGATE_SOURCE_LEASE_MS: a pull's lease on its source (at least 1 s); unset, PULL_LEASE_TTL_MS. */
export function sourceLeaseMs(settings: Record<string, string | undefined>): { leaseTtlMs?: number } {
  const raw = settings['TXGATE_SOURCE_LEASE_MS']
  if (raw === undefined || raw === '') return {}
  const ms = Number(raw)
  if (!Number.isInteger(ms) || ms < 1000) throw new Error(`TXGATE_SOURCE_LEASE_MS must be milliseconds, at least 1000 (got "${raw}")`)
  return { leaseTtlMs: ms }
}

/**
 * Run by a pull that has just taken its source's lease: the jobs still fetching/ingesting with no
 * end belong to runs killed (kill -9, a crash) before they finished, since one holder runs a source
 * at a time. They become `abandoned`, not `failed` (a failed file would be archived to failed/), so
 * the jobs table stops showing them as running and their items are pulled again. Bookkeeping only:
 * a store that does not answer leaves them as they are and the pull goes on.
 */
export async function abandonDeadRuns(env: LeaseEnv, source: string): Promise<void> {
  try {
    const n = await env.checkpoints.abandonUnfinished(source, new Date(env.batch.clock()).toISOString())
    if (n > 0) env.batch.log.info('source jobs of a dead run marked abandoned', { source, jobs: n })
  } catch (err) {
    env.batch.log.warn('source jobs of a dead run not marked abandoned', { source, error: messageOf(err) })
  }
}

export function renewLease(env: LeaseEnv & { holder: string }, source: string, ttl: number): { stop(): Promise<void> } {
  let pending: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    pending = env.checkpoints.acquireLease(source, env.holder, ttl).then(
      (held) => held || env.batch.log.warn('source lease lost to another holder mid-run', { source, holder: env.holder }),
      (err: unknown) => env.batch.log.warn('source lease not renewed', { source, error: messageOf(err) }),
    )
  }, Math.max(1, Math.floor(ttl / 3)))
  timer.unref?.()
  return {
    // A renewal still in flight would take the lease again after its release.
    async stop() {
      clearInterval(timer)
      await pending
    },
  }
}
