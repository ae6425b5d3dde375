/** @module A watched directory: each new file, once its size holds still, is ingested and moved to processed/ or failed/. */
import { mkdir, readdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobStatus } from '../../../batch/job.ts'
import { ingestFile, type BatchEnv } from './ingest.ts'
import { readSidecar } from './integrity.ts'

export type WatchOptions = {
  dir: string
  provider: string
  /** Seconds between scans. @default 5 */
  intervalSec?: number
  onJob?: (status: JobStatus) => void
  signal?: AbortSignal
}

// Partial uploads and sidecars are not files to ingest.
const SKIP = /^\.|\.(sha256|part|tmp|crdownload)$/i

/** Scans until `signal` aborts. A file is taken once its size is the same on two scans in a row. */
export async function watchDir(env: BatchEnv, opts: WatchOptions): Promise<void> {
  const processed = join(opts.dir, 'processed')
  const failed = join(opts.dir, 'failed')
  await mkdir(processed, { recursive: true })
  await mkdir(failed, { recursive: true })
  const seen = new Map<string, number>()
  while (!opts.signal?.aborted) {
    await scanOnce(env, opts, seen, processed, failed)
    await sleep((opts.intervalSec ?? 5) * 1000, opts.signal)
  }
}

export async function scanOnce(
  env: BatchEnv,
  opts: WatchOptions,
  seen: Map<string, number>,
  processed = join(opts.dir, 'processed'),
  failed = join(opts.dir, 'failed'),
): Promise<void> {
  const entries = await readdir(opts.dir, { withFileTypes: true })
  for (const e of entries) {
    if (!e.isFile() || SKIP.test(e.name) || opts.signal?.aborted) continue
    const path = join(opts.dir, e.name)
    const size = (await stat(path)).size
    if (seen.get(e.name) !== size) {
      seen.set(e.name, size) // still being written, or new: look again next scan
      continue
    }
    seen.delete(e.name)
    const sidecar = await readSidecar(path)
    const status = await ingestFile(env, {
      path,
      provider: opts.provider,
      ...(sidecar && sidecar !== 'invalid' ? { checksum: sidecar } : {}),
    })
    const to = status.state === 'succeeded' ? processed : failed
    await rename(path, join(to, e.name))
    if (sidecar !== undefined) await rename(`${path}.sha256`, join(to, `${e.name}.sha256`)).catch(() => undefined)
    opts.onJob?.(status)
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })
}
