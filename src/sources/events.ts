/** @module SourceEvents port: what the S3-event route needs from a runtime that can fetch and ingest objects. */
import type { ObjectEvent } from './s3-notification.ts'

/**
 * One named object's end: `ingested` (every record published or in the DLQ); `duplicate` (this
 * version was ingested or refused before); `ignored` (not a created event, another bucket, outside
 * the prefix/glob, a sidecar, gone or replaced by a newer version); `failed` (refused for good:
 * checksum, format; moved to failed/); `retry` (a transient error); `in_flight` (being ingested now).
 */
export type ObjectOutcome = {
  key: string
  outcome: 'ingested' | 'duplicate' | 'ignored' | 'failed' | 'retry' | 'in_flight'
  reason?: string
  rows?: number
  published?: number
  dlq?: number
}

export type SourceEvents = {
  /** The NAME of the environment variable holding the source's bearer token; undefined = no such source. */
  tokenEnv(source: string): string | undefined
  /** Fetches and ingests each created object, in order; answers once every one has ended. */
  ingest(source: string, events: readonly ObjectEvent[]): Promise<ObjectOutcome[]>
}
