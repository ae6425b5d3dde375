/** @module Settings → the checkpoint store: PostgreSQL when TXGATE_SOURCES_DATABASE_URL is set, else files under the batch dir. */
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import type { Checkpoints } from '../../../sources/checkpoints.ts'
import { loadSources, SourcesConfigError, type SourceConfig } from '../../../sources/config.ts'
import { createFileCheckpoints } from './checkpoints-file.ts'
import { createPgCheckpoints } from './checkpoints-pg.ts'

export function openCheckpoints(settings: Settings, batchDir: string): Promise<Checkpoints> {
  const url = settings['TXGATE_SOURCES_DATABASE_URL']
  return url ? createPgCheckpoints(url) : Promise.resolve(createFileCheckpoints(join(batchDir, 'sources')))
}

/** Who holds a lease: readable in the table, unique per process. */
export const leaseHolder = (): string => `${hostname()}:${process.pid}`

/** The sources file for a CLI command: its sources, or the problem (file, line, field) to print with exit 2. */
export async function loadSourcesFile(settings: Settings): Promise<{ sources: SourceConfig[] } | { problem: string }> {
  try {
    return { sources: await loadSources(settings, (p) => readFile(p, 'utf8')) }
  } catch (err) {
    if (err instanceof SourcesConfigError) return { problem: err.message }
    throw err
  }
}
