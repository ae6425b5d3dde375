/** @module Why a publish failed: Kafka unreachable (retry, spool) or records refused (resending cannot help). */
import type { OutboundRecord } from './types.ts'

/** Kafka or its bridge did not acknowledge: unreachable, timed out, 5xx, auth. Retrying may succeed. */
export class PublishFailed extends Error {
  override readonly name = 'PublishFailed'
}

export type Rejection = { record: OutboundRecord; reason: string }

/**
 * Kafka answered and refused these records for what they are (too large, invalid): the others of
 * the same call were acknowledged. Kafka is healthy, so this does not count against the breaker.
 */
export class RecordsRejected extends Error {
  override readonly name = 'RecordsRejected'
  readonly rejected: readonly Rejection[]

  constructor(rejected: readonly Rejection[]) {
    super(`Kafka refused ${rejected.length} record(s): ${rejected[0]?.reason ?? ''}`)
    this.rejected = rejected
  }
}

/** Per-record result of one produce call, in the order the records were sent. */
export type RecordOutcome = { ok: true } | { ok: false; permanent: boolean; reason: string }
