/** @module `txgate pull` / the scheduler for a file kind (s3, sftp): its store opened, one pullFiles run, closed. */
import type { SourceConfig } from '../../../sources/config.ts'
import type { PullEnv, PullResult } from './pull.ts'
import { pullFiles } from './pull-files.ts'
import type { FileStore } from './file-store.ts'
import { createS3Store, s3ClientFor } from './s3-store.ts'
import { connectSftp } from './sftp-store.ts'

type FileSourceConfig = Extract<SourceConfig, { kind: 's3' | 'sftp' }>

export async function pullFileSource(env: PullEnv, src: FileSourceConfig): Promise<PullResult> {
  const settings = env.fetch?.env ?? process.env
  const store: FileStore =
    src.kind === 's3' ? createS3Store(src, s3ClientFor(src, settings)) : await connectSftp(src, settings)
  try {
    const r = await pullFiles(
      { batch: env.batch, checkpoints: env.checkpoints, stagingDir: env.stagingDir, holder: env.holder, ...(env.leaseTtlMs ? { leaseTtlMs: env.leaseTtlMs } : {}) },
      {
        name: src.name,
        provider: src.provider,
        ...(src.mapping ? { mapping: src.mapping } : {}),
        prefix: src.kind === 's3' ? src.prefix : src.path,
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
      ...(r.failed > 0 ? { error: `${r.failed} file(s) not ingested (see txgate sources / the jobs table)` } : {}),
      ...(r.wouldFetch ? { wouldFetch: r.wouldFetch } : {}),
    }
  } finally {
    await store.close()
  }
}
