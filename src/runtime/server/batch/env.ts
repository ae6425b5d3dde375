/** @module Settings → the batch environment of a server process (CLI, watch, HTTP uploads). */
import { availableParallelism } from 'node:os'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_LOCAL_KEYS, dedupeFor } from '../../../batch/dedupe.ts'
import { createStoreLedger, DEFAULT_FILE_LEASE_MS } from '../../../batch/ledger.ts'
import { parseMappingFile } from '../../../batch/mapping.ts'
import type { Settings } from '../../../config.ts'
import type { Deps } from '../../../deps.ts'
import { createDiskLedger } from './disk-ledger.ts'
import type { BatchEnv } from './ingest.ts'

export type BatchSettings = {
  /** TXGATE_BATCH_DIR: the file ledger, uploads and temporary files. @default ./data/batch */
  dir: string
  /** TXGATE_BATCH_WORKERS: worker threads for a large file. @default the number of cores */
  workers: number
  /** TXGATE_BATCH_CHUNK_SIZE: records per published chunk. @default 10000 */
  chunkSize: number
  /** TXGATE_BATCH_MAPPINGS: a YAML mapping file (file-only providers, overrides). */
  mappingsFile: string | undefined
  /** TXGATE_BATCH_DEDUPE_KEYS: record keys the in-process dedupe remembers (no Redis). @default 500000 */
  dedupeKeys: number
  /** TXGATE_BATCH_LEASE_MS: a running job's renewed claim on its file in Redis. @default 60000 */
  leaseMs: number
}

export function batchSettings(settings: Settings): BatchSettings {
  const int = (name: string, fallback: number, min: number) => {
    const raw = settings[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}="${raw}" must be an integer ≥ ${min}`)
    return n
  }
  return {
    dir: settings['TXGATE_BATCH_DIR'] || './data/batch',
    workers: int('TXGATE_BATCH_WORKERS', availableParallelism(), 0),
    chunkSize: int('TXGATE_BATCH_CHUNK_SIZE', 10_000, 1),
    mappingsFile: settings['TXGATE_BATCH_MAPPINGS'] || undefined,
    dedupeKeys: int('TXGATE_BATCH_DEDUPE_KEYS', DEFAULT_LOCAL_KEYS, 1),
    leaseMs: int('TXGATE_BATCH_LEASE_MS', DEFAULT_FILE_LEASE_MS, 300),
  }
}

/** A YAML mapping file's providers join (and override) the modules' batch parts. */
export async function buildBatchEnv(
  deps: Pick<Deps, 'config' | 'registry' | 'store' | 'publisher' | 'clock' | 'log'>,
  s: BatchSettings,
  mappingsFile = s.mappingsFile,
): Promise<BatchEnv> {
  const mappings = mappingsFile ? parseMappingFile(await readFile(mappingsFile, 'utf8')) : undefined
  await mkdir(join(s.dir, 'tmp'), { recursive: true })
  return {
    ...deps,
    // A shared store (Redis) remembers files for every instance; otherwise the local disk does.
    ledger: deps.store.shared
      ? createStoreLedger(deps.store, {
          leaseMs: s.leaseMs,
          onLost: (provider, sha256, jobId) =>
            deps.log.warn('batch: a running job lost its claim on its file', { provider, sha256, job_id: jobId }),
        })
      : createDiskLedger(join(s.dir, 'ledger')),
    tmpDir: join(s.dir, 'tmp'),
    workers: s.workers,
    chunkSize: s.chunkSize,
    dedupe: dedupeFor(deps.store, deps.clock, s.dedupeKeys),
    ...(mappings ? { mappings } : {}),
  }
}
