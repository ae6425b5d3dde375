/**
 * @module The server's SourceEvents: an object named by an S3 notification is fetched from the
 * source's bucket and ingested exactly like a pulled one (same job items, sidecars, archive rules),
 * so a notification for a version ingested by a pull or an earlier notification is a duplicate.
 */
import type { S3Client } from '@aws-sdk/client-s3'
import type { SourceConfig } from '../../../sources/config.ts'
import type { ObjectOutcome, SourceEvents } from '../../../sources/events.ts'
import type { ObjectEvent } from '../../../sources/s3-notification.ts'
import type { FileStore } from './file-store.ts'
import { archive, ingestRemoteFile, itemOf, SIDECARS, wanted, type FilePullEnv, type FileSource } from './pull-files.ts'
import { createS3Store, s3ClientFor } from './s3-store.ts'

type S3SourceConfig = Extract<SourceConfig, { kind: 's3' }>

export type S3EventsRunner = SourceEvents & { close(): Promise<void> }

export type S3EventsOptions = {
  /** Builds a source's S3 client; default: from its settings and `settings`' credentials. */
  client?: (src: S3SourceConfig) => S3Client
  /** Called with each notification's outcomes (metrics). */
  onObjects?: (source: string, objects: readonly ObjectOutcome[]) => void
}

export function createS3Events(env: Omit<FilePullEnv, 'holder'>, sources: readonly SourceConfig[], settings: Record<string, string | undefined>, opts: S3EventsOptions = {}): S3EventsRunner {
  const client = opts.client ?? ((src: S3SourceConfig) => s3ClientFor(src, settings))
  const accepting = new Map<string, { src: S3SourceConfig; file: FileSource; tokenEnv: string }>()
  for (const src of sources) {
    if (src.kind !== 's3' || !src.events) continue
    const file: FileSource = { name: src.name, provider: src.provider, ...(src.mapping ? { mapping: src.mapping } : {}), prefix: src.prefix, glob: src.glob, min_age_s: 0, archive: src.archive }
    accepting.set(src.name, { src, file, tokenEnv: src.events.token_env })
  }
  const stores = new Map<string, FileStore>()
  // Versions being ingested by this process: a retry meanwhile answers 409, not a second download.
  const inFlight = new Set<string>()

  const storeFor = (src: S3SourceConfig): FileStore => {
    let s = stores.get(src.name)
    if (!s) stores.set(src.name, (s = createS3Store(src, client(src))))
    return s
  }

  async function one(entry: { src: S3SourceConfig; file: FileSource }, e: ObjectEvent): Promise<ObjectOutcome> {
    const { src, file } = entry
    const ignored = (reason: string): ObjectOutcome => ({ key: e.key, outcome: 'ignored', reason })
    if (!e.created) return ignored(`${e.eventName} is not an object-created event`)
    if (e.bucket !== src.bucket) return ignored(`bucket ${e.bucket} is not this source's (${src.bucket})`)
    // Also what keeps our own copies into processed/ and failed/ (new objects, new events) from looping.
    if (!wanted(file, e.key)) return ignored(`outside ${src.prefix}${src.glob} (or a sidecar, or an archive folder)`)
    const store = storeFor(src)
    const now = e.etag !== undefined && e.size !== undefined ? undefined : await store.stat(e.key)
    const named = { key: e.key, size: e.size ?? now?.size ?? 0, ...((e.etag ?? now?.etag) ? { etag: (e.etag ?? now?.etag) as string } : {}) }
    const item = itemOf(named)
    const earlier = await env.checkpoints.findJob(src.name, item)
    if (earlier?.status === 'done' || earlier?.status === 'failed') {
      // Finished, but perhaps stopped before its archive step: finish that, publish nothing.
      if (src.archive.mode === 'move' && (await store.stat(e.key))?.etag === named.etag) {
        await archive(store, file, e.key, earlier.status === 'done' ? 'processed' : 'failed', await presentKeys(store, e.key))
      }
      return { key: e.key, outcome: 'duplicate', reason: `this version was ${earlier.status === 'done' ? 'ingested' : 'refused'} before (job ${earlier.id})` }
    }
    if (inFlight.has(item)) return { key: e.key, outcome: 'in_flight', reason: 'being ingested now' }
    inFlight.add(item)
    try {
      const current = now ?? (await store.stat(e.key))
      if (!current) return ignored('the object is gone (moved or deleted since)')
      // A newer upload has its own notification; this one names a version that no longer exists.
      if (named.etag !== undefined && current.etag !== undefined && current.etag !== named.etag) return ignored(`replaced by a newer version (ETag ${current.etag})`)
      const r = await ingestRemoteFile({ ...env, holder: 'events' }, file, store, current, await presentKeys(store, e.key))
      const counts = { rows: r.rows, published: r.published, dlq: r.dlq }
      if (r.status === 'done') return { key: e.key, outcome: 'ingested', ...counts }
      if (r.status === 'failed') return { key: e.key, outcome: 'failed', reason: r.error ?? 'refused', ...counts }
      if (r.status === 'changed') return ignored(r.error ?? 'changed while fetched')
      return { key: e.key, outcome: 'retry', reason: r.error ?? 'transient error' }
    } catch (err) {
      return { key: e.key, outcome: 'retry', reason: err instanceof Error ? err.message : String(err) }
    } finally {
      inFlight.delete(item)
    }
  }

  return {
    tokenEnv: (source) => accepting.get(source)?.tokenEnv,
    async ingest(source, events) {
      const entry = accepting.get(source)
      if (!entry) throw new Error(`source "${source}" does not accept S3 events`)
      const out: ObjectOutcome[] = []
      // In order: two records for one key (put, then overwrite) end as the newer version only.
      for (const e of events) out.push(await one(entry, e))
      opts.onObjects?.(source, out)
      return out
    },
    async close() {
      await Promise.all([...stores.values()].map((s) => s.close()))
      stores.clear()
    },
  }
}

// --- Internal helpers ---

/** The object and whichever of its sidecars exist (a notification names only the object). */
async function presentKeys(store: FileStore, key: string): Promise<Set<string>> {
  const found = await Promise.all(SIDECARS.map(async (s) => ((await store.stat(key + s)) ? key + s : undefined)))
  return new Set([key, ...found.filter((k): k is string => k !== undefined)])
}
