/** @module The main pass: a file → units of work in file order (blocks of lines, Parquet row groups). */
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { asyncBufferFromFile, parquetMetadataAsync, type RowGroup } from 'hyparquet'
import { splitBlocks } from '../../../batch/blocks.ts'
import type { BatchMapping } from '../../../batch/mapping.ts'
import type { Inspection } from './integrity.ts'
import { parseCsvHeader, type CsvLayout } from './parse-block.ts'
import type { Unit } from './processor.ts'

export type UnitSource = {
  csv: CsvLayout
  units: AsyncGenerator<Unit>
}

/**
 * Bytes of file per unit of work. A unit's records (~16× its bytes as JSON lines, for a CSV of
 * short rows) stay in memory until published, so this bounds memory more than speed: 256 KiB
 * and 1 MiB measured the same rows/s.
 */
export const DEFAULT_BLOCK_BYTES = 64 * 1024

/**
 * A Parquet file is read a window of rows at a time and handed out as units of
 * `PARQUET_UNIT_ROWS`. Row groups are often 1M rows (pyarrow's default): read whole, one was
 * ~600 MB of objects on one thread, and its records (~1 KB each) were as much again. Reading a
 * slice costs decoding every page it touches, and pages are often 20k–100k rows, so slices read
 * one by one decode pages over again (10 000-row slices took 5× the time of whole 100 000-row
 * groups); the window is read once, by the one thread its units go to. A window is at most
 * `PARQUET_READ_ROWS` rows and about `PARQUET_READ_BYTES` of uncompressed column data, so a wide
 * file or one with long values gets fewer rows per window, not a bigger heap. Units of 2 000
 * rows: 10 000-row units' records (~9 MB a unit, several in flight) took peak RSS from ~250 to
 * ~310–360 MB on 1M rows with 2 workers, at the same rows/s.
 */
export const PARQUET_READ_ROWS = 50_000
export const PARQUET_READ_BYTES = 8 * 1024 * 1024
export const PARQUET_UNIT_ROWS = 2_000

export type UnitOptions = {
  mapping: BatchMapping
  /** The name the file came with (`.tsv` means tab-separated unless the mapping says otherwise). */
  name: string
  blockBytes?: number
  /** Bytes of the stored file read so far (progress). */
  onBytes?: (n: number) => void
}

/** Opens the file for the main pass; a CSV header is read before the first unit is handed out. */
export async function openUnits(path: string, file: Inspection, opts: UnitOptions): Promise<UnitSource> {
  const delimiter = opts.mapping.delimiter ?? (/\.tsv(\.gz)?$/i.test(opts.name) ? '\t' : ',')
  if (file.format === 'parquet') {
    return { csv: { delimiter, header: undefined }, units: parquetUnits(file.parquetPath ?? path, opts.onBytes, file.bytes) }
  }
  const blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES
  const content = contentStream(path, file.gzip, blockBytes, opts.onBytes)
  const headerRow = file.format === 'csv' && (opts.mapping.header_row ?? true)
  const { header, rest } = headerRow ? await takeFirstLine(content) : { header: undefined, rest: content }
  const csv: CsvLayout = {
    delimiter,
    header: header !== undefined ? parseCsvHeader(header, delimiter) : opts.mapping.columns,
  }
  const blocks = splitBlocks(rest, {
    quoted: file.format === 'csv',
    firstLine: headerRow ? 2 : 1,
    targetBytes: blockBytes,
  })
  const kind = file.format
  async function* units(): AsyncGenerator<Unit> {
    let seq = 0
    for await (const b of blocks) yield { seq: seq++, kind, bytes: b.bytes, firstLine: b.firstLine }
  }
  return { csv, units: units() }
}

// --- Internal helpers ---

/** The stored bytes, gunzipped when gzip, without a UTF-8 byte order mark. */
async function* contentStream(path: string, gzip: boolean, blockBytes: number, onBytes?: (n: number) => void): AsyncGenerator<Uint8Array> {
  // Reads no bigger than a block: a block is cut at the first record end past its target size.
  const raw = createReadStream(path, { highWaterMark: blockBytes })
  if (onBytes) raw.on('data', (c) => onBytes(c.length))
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: Math.min(blockBytes, 256 * 1024) })) : raw
  raw.on('error', (err) => stream.destroy(err))
  let first = true
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let bytes: Uint8Array = chunk
    if (first) {
      first = false
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
    }
    yield bytes
  }
}

async function takeFirstLine(
  source: AsyncGenerator<Uint8Array>,
): Promise<{ header: string | undefined; rest: AsyncGenerator<Uint8Array> }> {
  const parts: Uint8Array[] = []
  for (;;) {
    const next = await source.next()
    if (next.done) {
      const text = Buffer.concat(parts).toString('utf8')
      return { header: text.replace(/\r?\n?$/, '') || undefined, rest: empty() }
    }
    const lf = next.value.indexOf(0x0a)
    if (lf < 0) {
      parts.push(next.value)
      continue
    }
    parts.push(next.value.subarray(0, lf))
    const header = Buffer.concat(parts).toString('utf8').replace(/\r$/, '')
    const tail = next.value.subarray(lf + 1)
    return { header, rest: prepend(tail, source) }
  }
}

async function* prepend(first: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (first.length > 0) yield first
  yield* rest
}

async function* empty(): AsyncGenerator<Uint8Array> {}

async function* parquetUnits(path: string, onBytes: ((n: number) => void) | undefined, size: number): AsyncGenerator<Unit> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path))
  const total = Number(metadata.num_rows)
  let seq = 0
  let window = 0
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const groupEnd = rowStart + Number(group.num_rows)
    const readRows = windowRows(group)
    while (rowStart < groupEnd) {
      const read = { start: rowStart, end: Math.min(groupEnd, rowStart + readRows) }
      while (rowStart < read.end) {
        const rowEnd = Math.min(read.end, rowStart + PARQUET_UNIT_ROWS)
        yield { seq: seq++, kind: 'parquet', rowStart, rowEnd, read, affinity: window }
        // Progress in stored bytes, in proportion to the rows handed out.
        onBytes?.(total > 0 ? Math.round((size * (rowEnd - rowStart)) / total) : 0)
        rowStart = rowEnd
      }
      window++
    }
  }
}

/** Rows per read window in this row group: the row cap, or fewer where rows are wide. */
export function windowRows(group: RowGroup): number {
  const rows = Number(group.num_rows)
  let bytes = 0
  for (const column of group.columns) bytes += Number(column.meta_data?.total_uncompressed_size ?? 0)
  if (rows <= 0 || bytes <= 0) return PARQUET_READ_ROWS
  const fit = Math.floor(PARQUET_READ_BYTES / (bytes / rows))
  return Math.max(PARQUET_UNIT_ROWS, Math.min(PARQUET_READ_ROWS, fit))
}
