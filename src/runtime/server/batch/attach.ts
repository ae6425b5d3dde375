/** @module Gives a server's dependencies a BatchRunner, so the HTTP batch routes are mounted. */
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import type { Deps } from '../../../deps.ts'
import { batchSettings, buildBatchEnv } from './env.ts'
import { createJobRunner } from './jobs.ts'

export async function withBatch<D extends Deps>(settings: Settings, deps: D): Promise<D> {
  const s = batchSettings(settings)
  const env = await buildBatchEnv(deps, s)
  return { ...deps, batch: createJobRunner(env, join(s.dir, 'uploads')) }
}
