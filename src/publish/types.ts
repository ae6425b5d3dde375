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

export type Publisher = {
  readonly kind: string
  /** Resolves once every record is durably accepted; rejects (Unavailable) otherwise. */
  publish(records: readonly KafkaRecord[]): Promise<void>
  ping(): Promise<Health>
  close(): Promise<void>
}
