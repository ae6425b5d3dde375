/** @module One block of whole lines → rows: CSV through csv-parse, NDJSON through JSON.parse. */
import { parse } from 'csv-parse/sync'
import type { SourceRow } from '../../../batch/build.ts'

export type CsvLayout = {
  delimiter: string
  /** Column names: the header row, the mapping's `columns`, or "1", "2", ... */
  header: readonly string[] | undefined
}

const decoder = new TextDecoder()

/**
 * Parses a block with csv-parse's synchronous API (the block is bounded, so this holds no more
 * than the block's rows). A record csv-parse refuses (stray quote) becomes a bad row with its
 * message and parsing resumes on the next line, so one bad row never costs its neighbours.
 * Line numbers come from byte offsets: csv-parse's own line count drifts on quoted CRLFs.
 */
export function parseCsvBlock(bytes: Uint8Array, firstLine: number, layout: CsvLayout): SourceRow[] {
  const plain = plainCsvLines(bytes)
  if (plain) return splitPlainBlock(plain, firstLine, layout)
  const rows: SourceRow[] = []
  let header = layout.header
  const lines = createLineCounter(bytes)
  let base = 0 // offset of the part being parsed within the block
  const push = (fields: string[], endOffset: number) => {
    let extra = 0
    for (const f of fields) if (f.includes('\n')) extra += f.split('\n').length - 1
    // A lone CR first makes csv-parse take CR as the record delimiter, so LFs sit inside fields and
    // `extra` can exceed the LFs counted: never name a line before the block's first.
    const line = Math.max(firstLine, firstLine + lines.endLineOf(base + endOffset) - extra)
    if (header === undefined) header = fields.map((_, i) => String(i + 1))
    if (fields.length !== header.length) {
      rows.push({ line, bad: `record has ${fields.length} fields, the header has ${header.length}`, raw: fields })
      return
    }
    // Null prototype: a column named "__proto__" is data, not the object's prototype.
    const record = Object.create(null) as Record<string, unknown>
    for (let i = 0; i < header.length; i++) record[header[i] as string] = fields[i]
    rows.push({ line, record })
  }
  // csv-parse cannot resume after an error, so the rest of the block is parsed anew.
  for (;;) {
    try {
      parse(Buffer.from(bytes.buffer, bytes.byteOffset + base, bytes.length - base), {
        delimiter: layout.delimiter,
        relax_column_count: true,
        skip_empty_lines: true,
        on_record: (record: string[], context) => {
          push(record, context.bytes)
          return undefined
        },
      })
      return rows
    } catch (err) {
      const at = (err as { bytes?: number }).bytes
      if (typeof at !== 'number') throw err
      const errorAt = base + Math.max(0, at - 1)
      const lineStart = bytes.lastIndexOf(0x0a, errorAt - 1) + 1
      const lineEnd = bytes.indexOf(0x0a, errorAt)
      // csv-parse's own "at line N" counts from the block, not the file: the row carries the file's line.
      const reason = (err instanceof Error ? err.message : String(err)).replace(/ at line \d+/, '')
      const raw = decoder.decode(bytes.subarray(lineStart, lineEnd < 0 ? bytes.length : lineEnd)).replace(/\r$/, '')
      rows.push({ line: firstLine + lines.lineAt(lineStart), bad: reason, raw })
      if (lineEnd < 0) return rows
      base = lineEnd + 1
    }
  }
}

/**
 * A block without quotes (most settlement files) as its lines: one UTF-8 decode, then a native
 * split; csv-parse would cut it the same way (build.ts reads the cells). undefined: csv-parse must
 * read it. csv-parse costs ~13 µs a row, about the whole budget at 250 000 rows/s; this ~1 µs.
 */
export function plainCsvLines(bytes: Uint8Array): string[] | undefined {
  if (!isPlain(bytes)) return undefined
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').split('\n')
}

/** Reads the header line of a CSV file (the first line; a header never spans lines). */
export function parseCsvHeader(line: string, delimiter: string): string[] {
  const [fields] = parse(line, { delimiter, relax_quotes: true }) as string[][]
  return (fields ?? []).map((f) => f.trim())
}

/** One JSON object per line; a line that is not one becomes a bad row with the parser's reason. */
export function parseNdjsonBlock(bytes: Uint8Array, firstLine: number): SourceRow[] {
  const rows: SourceRow[] = []
  const text = decoder.decode(bytes)
  let line = firstLine
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const raw = text.slice(start, end).trim()
    if (raw !== '') {
      try {
        const value: unknown = JSON.parse(raw)
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          // The line itself is the raw payload's JSON: written as is, not serialized again.
          rows.push({ line, record: value as Record<string, unknown>, rawJson: raw })
        } else {
          rows.push({ line, bad: 'line is JSON but not an object', raw })
        }
      } catch (err) {
        rows.push({ line, bad: `line is not JSON: ${err instanceof Error ? err.message : String(err)}`, raw })
      }
    }
    line++
    start = end + 1
  }
  return rows
}

// --- Internal helpers ---

const QUOTE = 0x22
const CR = 0x0d

/** No quote, and every CR ends a line: csv-parse would only split on line feeds and delimiters. */
function isPlain(bytes: Uint8Array): boolean {
  if (bytes.indexOf(QUOTE) >= 0) return false
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] !== 0x0a) return false
  return true
}

/**
 * A plain block's lines as rows, the same as csv-parse gives (empty lines skipped, a trailing CR
 * dropped, a field count that differs from the header → a bad row).
 */
function splitPlainBlock(lines: readonly string[], firstLine: number, layout: CsvLayout): SourceRow[] {
  const rows: SourceRow[] = []
  let header = layout.header
  // A plain object gets a fast (shared) shape; only a "__proto__" column needs a null prototype.
  const safe = header === undefined || !header.includes('__proto__')
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i] as string
    if (l.length > 0 && l.charCodeAt(l.length - 1) === CR) l = l.slice(0, -1)
    if (l === '') continue
    const fields = l.split(layout.delimiter)
    const line = firstLine + i
    if (header === undefined) header = fields.map((_, n) => String(n + 1))
    if (fields.length !== header.length) {
      rows.push({ line, bad: `record has ${fields.length} fields, the header has ${header.length}`, raw: fields })
      continue
    }
    const record = (safe ? {} : Object.create(null)) as Record<string, unknown>
    for (let c = 0; c < header.length; c++) record[header[c] as string] = fields[c]
    rows.push({ line, record })
  }
  return rows
}

/** 0-based line of a byte offset, counted forward incrementally (records arrive in order). */
function createLineCounter(bytes: Uint8Array) {
  let at = 0
  let line = 0
  const lineAt = (offset: number): number => {
    if (offset < at) {
      at = 0
      line = 0
    }
    for (let i = bytes.indexOf(0x0a, at); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++
    at = offset
    return line
  }
  return {
    lineAt,
    /** The line a record ending at `end` (exclusive, after its line feed) ends on. */
    endLineOf: (end: number): number => lineAt(end > 0 && bytes[end - 1] === 0x0a ? end - 1 : end),
  }
}
