/** @module Publish one chunk: claim its keys, drop duplicates, publish the rest in order, commit. */
import type { Logger } from '../observability/log.ts'
import type { Publisher } from '../publish/types.ts'
import type { BuiltRecord } from './build.ts'
import type { BatchDedupe } from './dedupe.ts'

export type ChunkCounts = { published: number; duplicates: number; dlq: number }

export type ChunkPublisherOptions = {
  dedupe: BatchDedupe
  publisher: Publisher
  inFlightTtlMs: number
  ttlMs: number
  log: Logger
}

/**
 * Batch records are claimed under `idem:batch:{provider}:{transaction_id}`: a settlement file
 * reports transactions the webhooks may already have carried, and it must still reach
 * `transactions.batch`; what it must not do is publish a transaction twice because two files
 * overlap. DLQ records are not claimed: a bad row is reported every time it is read. The keys
 * of a chunk are claimed, committed or released in one call each.
 */
export function createChunkPublisher(opts: ChunkPublisherOptions) {
  const { dedupe, publisher, log } = opts

  return async function publishChunk(items: readonly BuiltRecord[]): Promise<ChunkCounts> {
    const counts: ChunkCounts = { published: 0, duplicates: 0, dlq: 0 }
    const keys: string[] = []
    const ids: string[] = []
    for (const it of items) {
      if (it.key === null) continue
      keys.push(it.key)
      ids.push(eventIdOf(it))
    }
    const states = keys.length > 0 ? await dedupe.claim(keys, ids, opts.inFlightTtlMs) : []
    const toPublish = []
    const claimedKeys: string[] = []
    const claimedIds: string[] = []
    let unguarded = 0
    let k = 0
    for (const it of items) {
      if (it.key === null) {
        toPublish.push(it.record)
        counts.dlq++
        continue
      }
      const state = states[k++]
      if (state === 'duplicate') {
        counts.duplicates++
        continue
      }
      if (state === 'unguarded') unguarded++
      else {
        claimedKeys.push(it.key)
        claimedIds.push(eventIdOf(it))
      }
      toPublish.push(it.record)
      counts.published++
    }
    if (unguarded > 0) log.warn('idempotency store unavailable, publishing unguarded', { records: unguarded })
    try {
      if (toPublish.length > 0) await publisher.publish(toPublish)
    } catch (err) {
      await dedupe.release(claimedKeys, claimedIds).catch(() => undefined)
      throw err
    }
    if (claimedKeys.length > 0) {
      await dedupe
        .commit(claimedKeys, claimedIds, opts.ttlMs)
        .catch((err: unknown) => log.warn('idempotency commit failed', { records: claimedKeys.length, error: String(err) }))
    }
    return counts
  }
}

const eventIdOf = (it: BuiltRecord): string => it.record.headers['event_id'] ?? ''
