/** @module A unit of work (a block of lines, a Parquet row group) → its records as JSON lines; runs inline or in a worker. */
import { asyncBufferFromFile, parquetMetadataAsync, type AsyncBuffer, type FileMetaData } from 'hyparquet'
import { buildCsvRecords, buildRecords, createRowEncoder, type BuildContext, type SourceRow } from '../../../batch/build.ts'
import type { EncodedUnit } from '../../../batch/encode-unit.ts'
import type { BatchMapping } from '../../../batch/mapping.ts'
import { readParquetWindow } from './parquet-window.ts'
import { parseCsvBlock, parseNdjsonBlock, plainCsvLines, type CsvLayout } from './parse-block.ts'
import { createBufferShelf, type BufferShelf } from './buffer-shelf.ts'
import { shelvedTextSink } from './text-sink.ts'

export type Unit =
  | { seq: number; kind: 'csv' | 'ndjson'; bytes: Uint8Array; firstLine: number }
  | {
      seq: number
      kind: 'parquet'
      rowStart: number
      rowEnd: number
      /** The rows read from the file together, this unit's among them (units.ts). */
      read: { start: number; end: number }
      /** Units of one read go to one worker, which reads the rows once. */
      affinity: number
    }

export type UnitResult = { seq: number; encoded: EncodedUnit; read: number }

/** Plain data, so it can be posted to a worker thread. */
export type ProcessorInit = {
  mapping: BatchMapping
  build: BuildContext
  csv: CsvLayout
  /** The Parquet file to read row groups from. */
  parquetPath?: string
}

export type UnitProcessor = (unit: Unit) => Promise<UnitResult>

/** `shelf`: where unit buffers come from; the caller puts them back once their records are published. */
export function createUnitProcessor(init: ProcessorInit, shelf: BufferShelf = createBufferShelf()): UnitProcessor {
  const encoder = createRowEncoder(init.mapping, init.build)
  const newSink = shelvedTextSink(shelf)
  let parquet: Promise<{ file: AsyncBuffer; metadata: FileMetaData }> | undefined
  let bytesPerRecord: number | undefined
  // The Parquet rows read last, while units of them are still to come.
  let window: { start: number; objects: Record<string, unknown>[] } | undefined
  return async (unit) => {
    let rows: SourceRow[] | undefined
    let encoded: EncodedUnit | undefined
    if (unit.kind === 'parquet') {
      if (!init.parquetPath) throw new Error('no Parquet file to read')
      const { rowStart, rowEnd, read } = unit
      parquet ??= asyncBufferFromFile(init.parquetPath).then(async (file) => ({ file, metadata: await parquetMetadataAsync(file) }))
      const { file, metadata } = await parquet
      if (window?.start !== read.start) {
        window = undefined // the previous read's rows go before the next is read
        window = { start: read.start, objects: await readParquetWindow(file, metadata, read.start, read.end) }
      }
      const objects = window.objects.slice(rowStart - read.start, rowEnd - read.start)
      if (rowEnd >= read.end) window = undefined
      rows = objects.map((o, i) => ({ line: rowStart + i + 1, record: jsonSafe(o) }))
    } else if (unit.kind === 'csv') {
      // A block without quotes goes from its lines to records with no row objects (build.ts).
      const lines = plainCsvLines(unit.bytes)
      if (lines) encoded = buildCsvRecords(lines, unit.firstLine, init.csv, encoder, newSink, bytesPerRecord)
      else rows = parseCsvBlock(unit.bytes, unit.firstLine, init.csv)
    } else {
      rows = parseNdjsonBlock(unit.bytes, unit.firstLine)
    }
    encoded ??= buildRecords(rows ?? [], encoder, newSink, bytesPerRecord)
    const read = encoded.keys.length
    // The next unit's buffer is sized on this one's records, with a little room.
    if (read > 0) bytesPerRecord = (encoded.bytes.length / read) * 1.1
    return { seq: unit.seq, encoded, read }
  }
}

// --- Internal helpers ---

/** Parquet values → what JSON can carry: INT64 as a number when exact (else a string), times as RFC 3339. */
function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(row)) out[key] = safeValue(row[key])
  return out
}

function safeValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : String(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString()
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')
  if (Array.isArray(v)) return v.map(safeValue)
  if (typeof v === 'object' && v !== null) return jsonSafe(v as Record<string, unknown>)
  return v
}
