/** @module One bounded attempt to hand records to Kafka, and what it means for a backlog batch. */
import type { Backlog, BacklogBatch } from './backlog.ts'
import { PublishFailed, RecordsRejected, type Rejection } from './errors.ts'
import type { OutboundRecord, Publisher } from './types.ts'

export type Delivery =
  | { kind: 'acked' }
  /** Kafka answered and refused these records for good; the others were acknowledged. */
  | { kind: 'rejected'; rejections: readonly Rejection[] }
  /** No acknowledgement: error, or none within the time bound. */
  | { kind: 'failed'; error: Error }

/**
 * Publishes through `primary`, counting a publish that outlasts `timeoutMs` as failed so the
 * caller can spool the records and answer the provider within seconds. A late acknowledgement
 * then only makes a duplicate, which consumers drop by `event_id` (at least once).
 */
export async function deliver(
  primary: Publisher,
  records: readonly OutboundRecord[],
  timeoutMs: number,
): Promise<Delivery> {
  const ac = new AbortController()
  const timer = setTimeout(
    () => ac.abort(new PublishFailed(`no acknowledgement within ${timeoutMs} ms`)),
    timeoutMs,
  )
  const timedOut = new Promise<never>((_, reject) => {
    ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true })
  })
  try {
    await Promise.race([primary.publish(records, { signal: ac.signal }), timedOut])
    return { kind: 'acked' }
  } catch (err) {
    if (err instanceof RecordsRejected) return { kind: 'rejected', rejections: err.rejected }
    return { kind: 'failed', error: err instanceof Error ? err : new PublishFailed(String(err)) }
  } finally {
    clearTimeout(timer)
  }
}

/** Moves the backlog past a delivered batch, keeping refused records apart first. */
export async function settleBatch(
  backlog: Backlog,
  batch: BacklogBatch,
  d: Delivery,
): Promise<void> {
  if (d.kind === 'failed') return
  if (d.kind === 'rejected') await backlog.quarantine(d.rejections)
  await backlog.ack(batch)
}
