/**
 * @module Runs each scheduled source on its croner schedule inside the gateway.
 * `protect` means a run that is still going makes the next tick skip (no overlap in one process);
 * the lease in the checkpoint store keeps two gateways from pulling one source at once.
 */
import { Cron } from 'croner'
import type { Logger } from '../../../observability/log.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import { isQueueSource, type SourceConfig } from '../../../sources/config.ts'
import { everyMs } from '../../../sources/schedule.ts'
import type { BatchEnv } from '../batch/ingest.ts'
import { pullSource, type PullResult } from './pull.ts'

export type SchedulerEnv = {
  batch: BatchEnv
  checkpoints: Checkpoints
  stagingDir: string
  holder: string
  log: Logger
  /** Where a source's secrets are read (env var names in the YAML). */
  env: Record<string, string | undefined>
  onRun?: (r: PullResult) => void
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
  for (const src of sources) {
    if (isQueueSource(src) || src.schedule === undefined) continue
    const run = async (): Promise<void> => {
      const r = await pullSource({ batch: env.batch, checkpoints: env.checkpoints, stagingDir: env.stagingDir, holder: env.holder, fetch: { env: env.env } }, src)
      const fields = { source: src.name, outcome: r.outcome, pages: r.pages, rows: r.rows, published: r.published, dlq: r.dlq, ...(r.cursor ? { cursor: r.cursor } : {}) }
      if (r.outcome === 'failed') env.log.error('source pull failed', { ...fields, error: r.error ?? 'failed' })
      else if (r.outcome === 'done') env.log.info('source pulled', fields)
      env.onRun?.(r)
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
