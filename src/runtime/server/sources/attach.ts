/** @module Gateway start: when a sources file exists, its scheduled sources run in this process until shutdown. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import { loadSources } from '../../../sources/config.ts'
import type { ServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { leaseHolder, openCheckpoints } from './open.ts'
import { startSourceScheduler } from './scheduler.ts'

export type RunningSources = { close(): Promise<void> }

/** A broken sources file stops the start (a schedule silently not running would lose data). */
export async function startSources(settings: Settings, deps: ServerDeps): Promise<RunningSources> {
  const sources = await loadSources(settings, (p) => readFile(p, 'utf8'))
  if (!sources.some((s) => s.schedule !== undefined)) return { close: async () => undefined }
  const s = batchSettings(settings)
  const checkpoints = await openCheckpoints(settings, s.dir)
  const scheduler = startSourceScheduler(
    { batch: await buildBatchEnv(deps, s), checkpoints, stagingDir: join(s.dir, 'tmp'), holder: leaseHolder(), log: deps.log, env: settings },
    sources,
  )
  deps.log.info('sources scheduled', { sources: scheduler.scheduled.join(','), checkpoints: checkpoints.kind })
  return {
    async close() {
      await scheduler.close()
      await checkpoints.close()
    },
  }
}
