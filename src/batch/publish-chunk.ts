/** @module Publish one chunk: claim its keys, drop duplicates, publish the rest in order, commit. */
import type { Logger } from '../observability/log.ts'
import type { Publisher } from '../publish/types.ts'
import type { Store } from '../store/types.ts'
import type { BuiltRecord } from './build.ts'

export type ChunkCounts = { published: number; duplicates: number; dlq: number }

export type ChunkPublisherOptions = {
  store: Store
  publisher: Publisher
  inFlightTtlMs: number
  ttlMs: number
  log: Logger
}

/**
 * Batch records are claimed under `idem:batch:{provider}:{transaction_id}`: a settlement file
 * reports transactions the webhooks may already have carried, and it must still reach
 * `transactions.batch`; what it must not do is publish a transaction twice because two files
 * overlap. DLQ records are not claimed: a bad row is reported every time it is read.
 */
export function createChunkPublisher(opts: ChunkPublisherOptions) {
  const { store, publisher, log } = opts
  const storeKey = (key: string) => `idem:batch:${key}`

  return async function publishChunk(items: readonly BuiltRecord[]): Promise<ChunkCounts> {
    const counts: ChunkCounts = { published: 0, duplicates: 0, dlq: 0 }
    // Claims go out together (a TCP store pipelines them); a key twice in one chunk is in flight the second time.
    const claims = await Promise.all(
      items.map((it) => (it.key === null ? undefined : store.claim(storeKey(it.key), eventIdOf(it), opts.inFlightTtlMs))),
    )
    const toPublish = []
    const claimed: BuiltRecord[] = []
    let unguarded = 0
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as BuiltRecord
      const claim = claims[i]
      if (claim === undefined) {
        toPublish.push(it.record)
        counts.dlq++
        continue
      }
      if (claim.state === 'done' || claim.state === 'in_flight') {
        counts.duplicates++
        continue
      }
      if (claim.state === 'unavailable') unguarded++
      else claimed.push(it)
      toPublish.push(it.record)
      counts.published++
    }
    if (unguarded > 0) log.warn('idempotency store unavailable, publishing unguarded', { records: unguarded })
    try {
      if (toPublish.length > 0) await publisher.publish(toPublish)
    } catch (err) {
      await Promise.all(claimed.map((it) => store.release(storeKey(it.key as string), eventIdOf(it)).catch(() => undefined)))
      throw err
    }
    await Promise.all(
      claimed.map((it) =>
        store
          .commit(storeKey(it.key as string), { event_id: eventIdOf(it), outcome: 'published' }, opts.ttlMs)
          .catch((err: unknown) => log.warn('idempotency commit failed', { key: it.key, error: String(err) })),
      ),
    )
    return counts
  }
}

const eventIdOf = (it: BuiltRecord): string => it.record.headers['event_id'] ?? ''
