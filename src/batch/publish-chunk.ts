/** @module Publish one chunk: claim its keys, drop duplicates, publish the rest in order, commit. */
import type { Logger } from '../observability/log.ts'
import type { EncodedRecord } from '../publish/types.ts'
import type { Publisher } from '../publish/types.ts'
import type { BatchDedupe, KeyState } from './dedupe.ts'
import { unitRecord, type LineContext, type UnitSlice } from './encode-unit.ts'

export type ChunkCounts = { published: number; duplicates: number; dlq: number }

export type ChunkPublisherOptions = {
  dedupe: BatchDedupe
  publisher: Publisher
  inFlightTtlMs: number
  ttlMs: number
  log: Logger
  lines: LineContext
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

  /**
   * The records to send, made here and handed straight to the publisher: nothing else holds
   * them, so they die young (kept in a chunk while its fsync ran, they were promoted and made
   * the old generation grow).
   */
  function send(slices: readonly UnitSlice[], states: readonly KeyState[]): Promise<void> {
    const records: EncodedRecord[] = []
    let k = 0
    for (const { unit, from, to } of slices) {
      for (let i = from; i < to; i++) {
        if (unit.keys[i] !== null && states[k++] === 'duplicate') continue
        records.push(unitRecord(unit, i, opts.lines))
      }
    }
    return records.length > 0 ? publisher.publish(records) : Promise.resolve()
  }

  return async function publishChunk(slices: readonly UnitSlice[]): Promise<ChunkCounts> {
    const counts: ChunkCounts = { published: 0, duplicates: 0, dlq: 0 }
    const keys: string[] = []
    const ids: string[] = []
    for (const { unit, from, to } of slices) {
      for (let i = from; i < to; i++) {
        const key = unit.keys[i]
        if (key === null || key === undefined) counts.dlq++
        else {
          keys.push(key)
          ids.push(unit.eventIds[i] as string)
        }
      }
    }
    const states = keys.length > 0 ? await dedupe.claim(keys, ids, opts.inFlightTtlMs) : []
    const claimedKeys: string[] = []
    const claimedIds: string[] = []
    let unguarded = 0
    let inFlight = 0
    for (let k = 0; k < keys.length; k++) {
      const state = states[k]
      if (state === 'in_flight') {
        inFlight++
        continue
      }
      if (state === 'duplicate') {
        counts.duplicates++
        continue
      }
      counts.published++
      if (state === 'unguarded') unguarded++
      else {
        claimedKeys.push(keys[k] as string)
        claimedIds.push(ids[k] as string)
      }
    }
    if (inFlight > 0) {
      // Publishing the rest and skipping these would lose them if their holder died before its
      // publish; the job fails instead (a pull source retries the file), and once the holder's
      // claim ends (TXGATE_INFLIGHT_TTL) the retry claims them.
      await dedupe.release(claimedKeys, claimedIds).catch(() => undefined)
      throw new Error(
        `${inFlight} record(s) are held in flight by another job that has not finished them; retry after the in-flight TTL`,
      )
    }
    if (unguarded > 0) log.warn('idempotency store unavailable, publishing unguarded', { records: unguarded })
    try {
      await send(slices, states)
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

/**
 * Records of a resumed file that an earlier attempt made durable: their keys are claimed and
 * committed, not published, so the dedupe knows them again (an in-process one forgot them with
 * the killed process). A key found done or in flight is left as it is.
 */
export async function rememberKeys(dedupe: BatchDedupe, slice: UnitSlice, ttlMs: number, inFlightTtlMs: number): Promise<void> {
  const keys: string[] = []
  const ids: string[] = []
  for (let i = slice.from; i < slice.to; i++) {
    const key = slice.unit.keys[i]
    if (key === null || key === undefined) continue
    keys.push(key)
    ids.push(slice.unit.eventIds[i] as string)
  }
  if (keys.length === 0) return
  const states = await dedupe.claim(keys, ids, inFlightTtlMs)
  const claimedKeys: string[] = []
  const claimedIds: string[] = []
  for (let k = 0; k < keys.length; k++) {
    if (states[k] !== 'claimed') continue
    claimedKeys.push(keys[k] as string)
    claimedIds.push(ids[k] as string)
  }
  if (claimedKeys.length > 0) await dedupe.commit(claimedKeys, claimedIds, ttlMs)
}
