/** @module `txgate pull` / the scheduler for a file kind (s3, sftp): its store opened, one pullFiles run, closed. */
import type { SourceConfig } from '../../../sources/config.ts'
import type { PullEnv, PullResult } from './pull.ts'
import { pullFiles } from './pull-files.ts'
import type { FileStore } from './file-store.ts'
import { createS3Store, s3ClientFor } from './s3-store.ts'
import { connectSftp } from './sftp-store.ts'
import { isTerminal } from './terminal.ts'

type FileSourceConfig = Extract<SourceConfig, { kind: 's3' | 'sftp' }>

export async function pullFileSource(env: PullEnv, src: FileSourceConfig): Promise<PullResult> {
  const settings = env.fetch?.env ?? process.env
  let bytes = 0
  let store: FileStore
  try {
    store = counted(src.kind === 's3' ? createS3Store(src, s3ClientFor(src, settings)) : await connectSftp(src, settings), (n) => (bytes += n))
  } catch (err) {
    return failed(src.name, err, 0)
  }
  try {
    const r = await pullFiles(
      { batch: env.batch, checkpoints: env.checkpoints, stagingDir: env.stagingDir, holder: env.holder, ...(env.leaseTtlMs ? { leaseTtlMs: env.leaseTtlMs } : {}) },
      {
        name: src.name,
        provider: src.provider,
        ...(src.mapping ? { mapping: src.mapping } : {}),
        // The SFTP store lists `path/name`: without the slash no key is "directly under" the folder and nothing is pulled.
        prefix: src.kind === 's3' ? src.prefix : src.path.endsWith('/') ? src.path : `${src.path}/`,
        glob: src.glob,
        min_age_s: src.min_age_s,
        archive: src.archive,
      },
      store,
      { dryRun: env.dryRun === true },
    )
    // A file is one "page" of the listing: the CLI and the scheduler report the same fields for every kind.
    return {
      source: r.source,
      outcome: r.outcome,
      pages: r.files,
      rows: r.rows,
      published: r.published,
      dlq: r.dlq,
      duplicates: 0,
      bytes,
      ...(r.failed > 0 ? { error: `${r.failed} file(s) not ingested (see txgate sources / the jobs table)` } : {}),
      ...(r.wouldFetch ? { wouldFetch: r.wouldFetch } : {}),
    }
  } catch (err) {
    // A listing that fails (no such folder or bucket, access denied) fails the run, not the process.
    return failed(src.name, err, bytes)
  } finally {
    await store.close().catch(() => undefined)
  }
}

function failed(source: string, err: unknown, bytes: number): PullResult {
  const error = err instanceof Error ? err.message : String(err)
  return { source, outcome: 'failed', pages: 0, rows: 0, published: 0, dlq: 0, duplicates: 0, bytes, error, ...(isTerminal(err) ? { terminal: true } : {}) }
}

/** The store, with every downloaded byte counted (txgate_source_bytes_total). */
function counted(store: FileStore, add: (n: number) => void): FileStore {
  return {
    ...store,
    async download(key, dest) {
      const f = await store.download(key, dest)
      add(f.bytes)
      return f
    },
  }
}
