/** @module Parsed rows → Kafka records as JSON lines: transactions for the batch topic, bad rows for the DLQ. */
import type { DlqMessage } from '../message/schema.ts'
import { SCHEMA_VERSION } from '../message/version.ts'
import {
  compileTransactionLine,
  createUnitWriter,
  type CellsPayload,
  type EncodedUnit,
  type LineContext,
  type NewTextSink,
  type TransactionLine,
} from './encode-unit.ts'
import { createEventIds } from './event-ids.ts'
import type { BatchMapping } from './mapping.ts'
import { compileFields, objectReader, slotColumns, type BatchContext, type FieldMapper } from './record.ts'

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

/** A job's compiled mapping and line template: made once per job (per worker), used for every row. */
export type RowEncoder = {
  ctx: BuildContext
  mapping: BatchMapping
  line: TransactionLine
  objects: FieldMapper<Record<string, unknown>>
  ids: (nowMs: number) => string
  /** The CSV reader last compiled, for the header it was compiled for. */
  csv?: CsvRows
}

export function createRowEncoder(mapping: BatchMapping, ctx: BuildContext): RowEncoder {
  return { ctx, mapping, line: compileTransactionLine(ctx), objects: compileFields(mapping, ctx, objectReader(mapping)), ids: createEventIds() }
}

/** Pure and synchronous: the part of a job a worker thread runs. `bytesPerRecord`: see createUnitWriter. */
export function buildRecords(
  rows: readonly SourceRow[],
  enc: RowEncoder,
  newSink: NewTextSink,
  bytesPerRecord?: number,
): EncodedUnit {
  const { ctx, objects } = enc
  const unit = createUnitWriter(ctx, rows.length, newSink, bytesPerRecord)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as SourceRow
    if ('bad' in row) {
      unit.dlq(dlq(ctx, row.line, row.bad, row.raw))
      continue
    }
    const reason = objects.map(row.record)
    if (reason === undefined) unit.mapped(enc.line, objects.out, enc.ids(ctx.ingestedAt), row.rawJson ?? JSON.stringify(row.record))
    else unit.dlq(dlq(ctx, row.line, reason, row.record))
  }
  return unit.finish()
}

/**
 * A block of CSV lines without quotes (the usual settlement file), straight to records: each
 * line is split into its cells, the mapping reads cells by index, and `raw_payload` (the header
 * → cell object) is written from the header's JSON and the cells, with no object per row. Empty
 * lines are skipped and a trailing CR dropped, as csv-parse does; a row whose field count differs
 * from the header's is a DLQ record.
 */
export function buildCsvRecords(
  lines: readonly string[],
  firstLine: number,
  layout: { delimiter: string; header: readonly string[] | undefined },
  enc: RowEncoder,
  newSink: NewTextSink,
  bytesPerRecord?: number,
): EncodedUnit {
  const { ctx } = enc
  let records = 0
  for (let i = 0; i < lines.length; i++) if (!blank(lines[i] as string)) records++
  const unit = createUnitWriter(ctx, records, newSink, bytesPerRecord)
  let csv: CsvRows | undefined = layout.header === undefined ? undefined : csvRows(enc, layout.header)
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i] as string
    if (l.length > 0 && l.charCodeAt(l.length - 1) === CR) l = l.slice(0, -1)
    if (l === '') continue
    const fields = l.split(layout.delimiter)
    // Headerless without `columns`: "1", "2", ... from the block's first row.
    csv ??= csvRows(enc, fields.map((_, n) => String(n + 1)))
    if (fields.length !== csv.width) {
      unit.dlq(dlq(ctx, firstLine + i, `record has ${fields.length} fields, the header has ${csv.width}`, fields))
      continue
    }
    const reason = csv.fields.map(fields)
    csv.payload.fields = fields
    if (reason === undefined) unit.mapped(enc.line, csv.fields.out, enc.ids(ctx.ingestedAt), csv.payload)
    else unit.dlq(dlq(ctx, firstLine + i, reason, csv.record(fields)))
  }
  return unit.finish()
}

// --- Internal helpers ---

const CR = 0x0d
const utf8 = new TextEncoder()

const blank = (l: string) => l === '' || (l.length === 1 && l.charCodeAt(0) === CR)

/** A header's compiled reader: cells by index, and the pieces of its raw payload's JSON. */
type CsvRows = {
  key: string
  width: number
  fields: FieldMapper<readonly string[]>
  /**
   * The row's raw payload, filled with each row's cells: names `{"a":`, `,"b":`, ... in the key
   * order of the header's object (integer-like names first, as JS orders them), and the cell each
   * takes its value from (a repeated column: its last cell, as the object gets it).
   */
  payload: CellsPayload
  record(fields: readonly string[]): Record<string, unknown>
}

function csvRows(enc: RowEncoder, header: readonly string[]): CsvRows {
  const key = header.join('\u0000')
  if (enc.csv?.key === key) return enc.csv
  const safe = !header.includes('__proto__')
  const record = (fields: readonly string[]): Record<string, unknown> => {
    // Null prototype: a column named "__proto__" is data, not the object's prototype.
    const r = (safe ? {} : Object.create(null)) as Record<string, unknown>
    for (let c = 0; c < header.length; c++) r[header[c] as string] = fields[c]
    return r
  }
  const order = Object.keys(record(header))
  const index = slotColumns(enc.mapping).map((col) => (col === undefined ? -1 : header.lastIndexOf(col)))
  const fields = compileFields<readonly string[]>(enc.mapping, enc.ctx, (row, slot) => {
    const c = index[slot] as number
    return c < 0 ? undefined : row[c]
  })
  enc.csv = {
    key,
    width: header.length,
    fields,
    payload: {
      names: order.map((name, i) => utf8.encode((i === 0 ? '{' : ',') + JSON.stringify(name) + ':')),
      cells: order.map((name) => header.lastIndexOf(name)),
      fields: [],
    },
    record,
  }
  return enc.csv
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
