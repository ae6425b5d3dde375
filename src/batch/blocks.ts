/** @module Cut a byte stream into blocks of whole lines (CSV: never inside a quoted field). */
import { concatBytes } from '../auth/encoding.ts'

/** A run of whole records: `firstLine` is the 1-based line number of its first byte. */
export type Block = { bytes: Uint8Array; firstLine: number }

export type BlockOptions = {
  /** Emit a block once this many bytes are buffered. @default 1 MiB */
  targetBytes?: number
  /** Refuse a file whose records never end within this many bytes. @default 64 MiB */
  maxBytes?: number
  /** CSV: a line feed inside a quoted field does not end a record (RFC 4180 `"`). */
  quoted: boolean
  /** Line number of the stream's first byte (2 after a header line). @default 1 */
  firstLine?: number
}

export class BlockTooLarge extends Error {
  override readonly name = 'BlockTooLarge'
}

const LF = 0x0a
const QUOTE = 0x22

/**
 * Splits on line feeds, carrying the quote parity across blocks so that a CSV field with an
 * embedded newline is never cut. The scan jumps from quote to quote (native `indexOf`), so it
 * costs little more than copying. A block can be parsed on its own, in any worker.
 */
export async function* splitBlocks(source: AsyncIterable<Uint8Array>, opts: BlockOptions): AsyncGenerator<Block> {
  const target = opts.targetBytes ?? 1024 * 1024
  const max = opts.maxBytes ?? 64 * 1024 * 1024
  let parts: Uint8Array[] = []
  let buffered = 0
  let line = opts.firstLine ?? 1
  let inQuotes = false

  const take = (upTo: number): Block => {
    // One part needs no copy; otherwise concatBytes allocates exactly `buffered` bytes.
    const all: Uint8Array = parts.length === 1 && parts[0] ? parts[0] : concatBytes(...parts)
    const bytes = all.subarray(0, upTo)
    const rest = all.subarray(upTo)
    parts = rest.length > 0 ? [rest] : []
    buffered = rest.length
    const block = { bytes, firstLine: line }
    line += countLines(bytes)
    return block
  }

  for await (const chunk of source) {
    if (chunk.length === 0) continue
    // Parity of the new bytes, and the last record end in them, starting from the carried state.
    const cut: { end: number; inQuotes: boolean } = opts.quoted ? lastRecordEnd(chunk, inQuotes) : { end: chunk.lastIndexOf(LF), inQuotes: false }
    inQuotes = cut.inQuotes
    parts.push(chunk)
    buffered += chunk.length
    if (buffered >= target && cut.end >= 0) {
      yield take(buffered - chunk.length + cut.end + 1)
    } else if (buffered > max) {
      throw new BlockTooLarge(
        opts.quoted && inQuotes
          ? `a quoted field is still open after ${max} bytes (unbalanced quote)`
          : `no line break within ${max} bytes`,
      )
    }
  }
  if (opts.quoted && inQuotes) throw new BlockTooLarge('the file ends inside a quoted field (unbalanced quote)')
  if (buffered > 0) yield take(buffered)
}

/** Counts line feeds. */
export function countLines(bytes: Uint8Array): number {
  let n = 0
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++
  return n
}

// --- Internal helpers ---

function lastRecordEnd(chunk: Uint8Array, startInQuotes: boolean): { end: number; inQuotes: boolean } {
  let inQuotes = startInQuotes
  let end = -1
  let pos = 0
  for (;;) {
    const q = chunk.indexOf(QUOTE, pos)
    const stop = q < 0 ? chunk.length : q
    if (!inQuotes && stop > pos) {
      const lf = chunk.lastIndexOf(LF, stop - 1)
      if (lf >= pos) end = lf
    }
    if (q < 0) return { end, inQuotes }
    inQuotes = !inQuotes
    pos = q + 1
  }
}
