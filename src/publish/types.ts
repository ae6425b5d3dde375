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
  /** Resolves once every record is durably accepted; rejects (Unavailable) otherwise. */
  publish(records: readonly KafkaRecord[], opts?: PublishOptions): Promise<void>
  ping(): Promise<Health>
  close(): Promise<void>
  state?(): PublisherState
}
