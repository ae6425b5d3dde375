/**
 * @module Runs each scheduled source on its croner schedule inside the gateway.
 * `protect` means a run that is still going makes the next tick skip (no overlap in one process);
 * the lease in the checkpoint store keeps two gateways from pulling one source at once.
 * Each tick goes through the source's breaker (guarded-pull.ts): an open or terminal source is
 * skipped (outcome `skipped`), and once its cool-down has passed one half-open trial runs.
 */
import { Cron } from 'croner'
import type { Logger } from '../../../observability/log.ts'
import type { HealthStore, SourceHealth } from '../../../sources/breaker.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import { isQueueSource, type SourceConfig } from '../../../sources/config.ts'
import { everyMs } from '../../../sources/schedule.ts'
import type { BatchEnv } from '../batch/ingest.ts'
import { pullGuarded } from './guarded-pull.ts'
import type { PullResult } from './pull.ts'
import { sourceLeaseMs } from './source-lease.ts'

export type SchedulerEnv = {
  batch: BatchEnv
  checkpoints: Checkpoints
  /** Each source's breaker / terminal state, shared by every instance. */
  health: HealthStore
  /** Wall time (ms) for cool-downs; Date.now unless a test moves it. */
  clock?: () => number
  stagingDir: string
  holder: string
  log: Logger
  /** Where a source's secrets are read (env var names in the YAML). */
  env: Record<string, string | undefined>
  /** After every tick, skipped ones included, with the source's state after it. */
  onRun?: (r: PullResult, health: SourceHealth | undefined) => void
}

export type SourceScheduler = {
  /** Names of the scheduled sources. */
  readonly scheduled: string[]
  /** Stops the schedules and waits for running pulls to finish. */
  close(): Promise<void>
}

export function startSourceScheduler(env: SchedulerEnv, sources: SourceConfig[]): SourceScheduler {
  const running = new Set<Promise<void>>()
  const jobs: Cron[] = []
  const guard = { health: env.health, log: env.log, ...(env.clock ? { clock: env.clock } : {}) }
  const lease = sourceLeaseMs(env.env)
  for (const src of sources) {
    if (isQueueSource(src) || src.schedule === undefined) continue
    const run = async (): Promise<void> => {
      const g = await pullGuarded({ batch: env.batch, checkpoints: env.checkpoints, stagingDir: env.stagingDir, holder: env.holder, fetch: { env: env.env }, ...lease }, guard, src)
      const r = g.result
      const fields = { source: src.name, outcome: r.outcome, pages: r.pages, rows: r.rows, published: r.published, dlq: r.dlq, ...(r.cursor ? { cursor: r.cursor } : {}) }
      if (r.outcome === 'failed') env.log.error('source pull failed', { ...fields, error: r.error ?? 'failed', ...(r.terminal ? { terminal: true } : {}) })
      else if (r.outcome === 'done') env.log.info('source pulled', fields)
      // A skip is logged once, when the breaker opened or the source turned terminal (guarded-pull.ts), not every tick.
      else if (r.outcome === 'skipped') env.log.debug('source pull skipped', { source: src.name, reason: r.error ?? '' })
      env.onRun?.(r, g.after)
    }
    const tracked = async (): Promise<void> => {
      const p = run().catch((err: unknown) => env.log.error('source pull crashed', { source: src.name, error: String(err) }))
      running.add(p)
      await p.finally(() => running.delete(p))
    }
    const every = everyMs(src.schedule)
    const options = { name: `source:${src.name}`, protect: true, catch: true }
    // `{ every }`: tick each second, but at most once per interval (croner's interval), first run at once.
    jobs.push(every === undefined ? new Cron(src.schedule as string, options, tracked) : new Cron('* * * * * *', { ...options, interval: every / 1000 }, tracked))
  }
  return {
    scheduled: jobs.map((j) => (j.name ?? '').replace(/^source:/, '')),
    async close() {
      for (const j of jobs) j.stop()
      await Promise.all(running)
    },
  }
}
