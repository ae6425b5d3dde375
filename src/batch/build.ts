/** @module Parsed rows → Kafka records as JSON lines: transactions for the batch topic, bad rows for the DLQ. */
import type { DlqMessage } from '../message/schema.ts'
import { SCHEMA_VERSION } from '../message/version.ts'
import { createUnitWriter, type EncodedUnit, type LineContext, type NewTextSink } from './encode-unit.ts'
import { createEventIds } from './event-ids.ts'
import type { BatchContext, RecordMapper } from './record.ts'

/** A row as a reader yields it: a record, or what could not be read as one and why. */
export type SourceRow =
  | {
      line: number
      record: Record<string, unknown>
      /**
       * The record's JSON exactly as it came (an NDJSON line, trimmed), when the reader has it:
       * written as the message's `raw_payload` as is, not serialized from `record` again (DESIGN:
       * an NDJSON row's raw may be copied as bytes).
       */
      rawJson?: string
    }
  | { line: number; bad: string; raw: unknown }

export type BuildContext = BatchContext &
  LineContext & {
    /** The file's name, for the DLQ `location`. */
    file: string
    /** `line` for text files, `row` for Parquet. */
    position: 'line' | 'row'
  }

/** Pure and synchronous: the part of a job a worker thread runs. `bytesPerRecord`: see createUnitWriter. */
export function buildRecords(
  rows: readonly SourceRow[],
  mapper: RecordMapper,
  ctx: BuildContext,
  newSink: NewTextSink,
  bytesPerRecord?: number,
): EncodedUnit {
  const unit = createUnitWriter(ctx, rows.length, newSink, bytesPerRecord)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as SourceRow
    if ('bad' in row) {
      unit.dlq(dlq(ctx, row.line, row.bad, row.raw))
      continue
    }
    const r = mapper(row.record)
    if (r.ok) unit.transaction(r.message, row.rawJson)
    else unit.dlq(dlq(ctx, row.line, r.reason, row.record))
  }
  return unit.finish()
}

const dlqIds = createEventIds()

function dlq(ctx: BuildContext, line: number, reason: string, raw: unknown): DlqMessage {
  return {
    schema_version: SCHEMA_VERSION,
    event_id: dlqIds(ctx.ingestedAt),
    failed_at: new Date(ctx.ingestedAt).toISOString(),
    provider: ctx.provider,
    source: 'batch',
    event_type: null,
    idempotency_key: null,
    trace_id: ctx.traceId,
    reason,
    raw,
    location: { file: ctx.file, [ctx.position]: line },
  }
}
