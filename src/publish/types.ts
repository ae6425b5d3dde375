/** @module Publisher port: durably accept Kafka records (Kafka ack, or fsync'd in the spool). */
import type { DlqMessage, TransactionMessage } from '../message/schema.ts'
import type { Health } from '../store/types.ts'

export type KafkaRecord = {
  topic: string
  /** `{provider}:{transaction_id}`, so one transaction's events stay on one partition. */
  key: string
  headers: Record<string, string>
  value: TransactionMessage | DlqMessage
}

/**
 * The same record already serialized by whoever built it. The batch path writes a file's records
 * as UTF-8 JSON lines into one buffer where it builds them (often a worker thread, which hands
 * the buffer over without a copy); no publisher serializes them again, and their text lives
 * outside the JS heap while a chunk waits, so it costs the garbage collector nothing.
 */
export type EncodedRecord = {
  topic: string
  key: string
  headers: Record<string, string>
  /** The whole record, `{"topic":…,"key":…,"headers":{…},"value":…}`: what JSON.stringify of its KafkaRecord gives. */
  line: Uint8Array
  /** Where the value starts in `line`; it runs to the line's closing brace. */
  valueAt: number
  // The batch path's lines are each followed by a line feed in their buffer (outside `line`):
  // the spool writes a run of them as it is, without a copy.
}

/** What a publisher accepts. */
export type OutboundRecord = KafkaRecord | EncodedRecord

export type PublishOptions = {
  /** Aborted when the caller stops waiting (timeout): records not yet sent are dropped. */
  signal?: AbortSignal
}

/** What `/ready` shows beside the ping: the breaker and the spool backlog, where there are some. */
export type PublisherState = {
  breaker?: { state: 'closed' | 'open' | 'half-open'; consecutive_failures: number; retry_in_ms: number }
  spool?: { pending_bytes: number; max_bytes: number; quarantined: number }
}

export type Publisher = {
  readonly kind: string
  /**
   * Resolves once every record is durably accepted; rejects (Unavailable) otherwise. Nothing of
   * the records may be kept past that (copy what outlives it): the batch path reuses an encoded
   * record's buffer for later records once its publish has settled.
   */
  publish(records: readonly OutboundRecord[], opts?: PublishOptions): Promise<void>
  ping(): Promise<Health>
  close(): Promise<void>
  state?(): PublisherState
}
