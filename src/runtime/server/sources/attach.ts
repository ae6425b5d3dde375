/** @module Gateway start: when a sources file exists, its scheduled sources run, its S3-event sources listen and its queue sources consume in this process until shutdown. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import { isQueueSource, loadSources } from '../../../sources/config.ts'
import { stateView, type SourceStates } from '../../../sources/breaker.ts'
import type { SourceEvents } from '../../../sources/events.ts'
import type { ServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { openHealthStore, readHealth } from './health-store.ts'
import { leaseHolder, openCheckpoints } from './open.ts'
import { startQueueConsumers } from './consumers.ts'
import { createS3Events } from './s3-events.ts'
import { startSourceScheduler } from './scheduler.ts'
import { createSourceMetrics } from './source-metrics.ts'

export type RunningSources = {
  /** For createApp's `sourceEvents`: set when some s3 source has `events`. */
  events?: SourceEvents
  /** For createApp's `sourceStates` (/ready): set when some source is pulled (scheduled, by events, or by `txgate pull`). */
  states?: SourceStates
  close(): Promise<void>
}

/** A broken sources file stops the start (a schedule silently not running would lose data). */
export async function startSources(settings: Settings, deps: ServerDeps): Promise<RunningSources> {
  const sources = await loadSources(settings, (p) => readFile(p, 'utf8'))
  const scheduled = sources.filter((s) => 'schedule' in s && s.schedule !== undefined)
  const listening = sources.filter((s) => s.kind === 's3' && s.events !== undefined)
  // Queue sources consume from the start until shutdown; a broker that is down is retried meanwhile.
  const queues = sources.filter(isQueueSource)
  const consumers = queues.length > 0 ? await startQueueConsumers(queues, deps) : undefined
  if (consumers) deps.log.info('queue sources consuming', { sources: consumers.sources.join(',') })
  // Sources pulled only by `txgate pull` (Airflow, cron) have a state too: /ready and /metrics show it.
  const pulled = sources.filter((x) => !isQueueSource(x))
  if (pulled.length === 0) return { close: async () => void (await consumers?.close()) }
  const s = batchSettings(settings)
  const checkpoints = await openCheckpoints(settings, s.dir)
  const health = await openHealthStore(settings, s.dir)
  const batch = await buildBatchEnv(deps, s)
  const stagingDir = join(s.dir, 'tmp')
  const metrics = deps.metrics
    ? await createSourceMetrics(deps.metrics, [...scheduled, ...listening].map((x) => x.name), checkpoints, deps.clock, { health, sources: pulled.map((x) => x.name) })
    : undefined
  const scheduler = startSourceScheduler(
    { batch, checkpoints, health, clock: deps.clock, stagingDir, holder: leaseHolder(), log: deps.log, env: settings, ...(metrics ? { onRun: metrics.run } : {}) },
    scheduled,
  )
  const states: SourceStates = {
    states: () => Promise.all(pulled.map(async (x) => stateView(x.name, await readHealth(health, x.name), deps.clock()))),
  }
  if (scheduled.length > 0) deps.log.info('sources scheduled', { sources: scheduler.scheduled.join(','), checkpoints: checkpoints.kind })
  const events = listening.length > 0 ? createS3Events({ batch, checkpoints, stagingDir }, listening, settings, metrics ? { onObjects: metrics.events } : {}) : undefined
  for (const src of listening) {
    if (src.kind === 's3' && src.events && !settings[src.events.token_env]) deps.log.warn('source: S3 events refused until its token is set', { source: src.name, token_env: src.events.token_env })
  }
  if (events) deps.log.info('sources: S3 events accepted', { sources: listening.map((l) => `/sources/v1/${l.name}/s3-events`).join(',') })
  return {
    ...(events ? { events } : {}),
    states,
    async close() {
      await Promise.all([scheduler.close(), consumers?.close()])
      await events?.close()
      await checkpoints.close()
      await health.close()
    },
  }
}
