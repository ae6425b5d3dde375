/** @module Backlog port: the durable local buffer (the spool on servers) that Kafka is fed from in order. */
import type { Rejection } from './errors.ts'
import type { OutboundRecord } from './types.ts'

/** Records read from the backlog, oldest first; acknowledge them to move past them. */
export type BacklogBatch = { readonly records: readonly OutboundRecord[]; readonly position: unknown }

export type Backlog = {
  /** Resolves once the records are durable; rejects with Unavailable (Retry-After) when full. */
  append(records: readonly OutboundRecord[]): Promise<void>
  /** Bytes accepted (written or being written) that Kafka has not acknowledged yet. */
  pendingBytes(): number
  /** The oldest durable records not yet acknowledged, or undefined when none is durable yet. */
  next(maxRecords: number): Promise<BacklogBatch | undefined>
  /** Kafka acknowledged `batch`: never send it again; drop storage that holds nothing else. */
  ack(batch: BacklogBatch): Promise<void>
  /** Keeps records Kafka refuses for good apart, for an operator, so they do not block the rest. */
  quarantine(rejections: readonly Rejection[]): Promise<void>
  stats(): { pending_bytes: number; max_bytes: number; quarantined: number }
  close(): Promise<void>
}
