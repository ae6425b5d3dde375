/** @module Outbound records → the bytes of their spool lines, as few buffers as possible, copied as little as possible. */
import { isEncoded } from '../../publish/encode.ts'
import type { OutboundRecord } from '../../publish/types.ts'

const LF = 0x0a
const NEWLINE = new Uint8Array([LF])

/**
 * Newline-terminated JSON lines. Encoded records whose lines lie back to back in one buffer,
 * each followed by its line feed (how the batch path writes them), become one view of that
 * buffer: a chunk of 10 000 records is a handful of views, nothing copied. Object records are
 * UTF-8-encoded straight into a new buffer (Buffer#write: ~6× TextEncoder#encodeInto on Node 20).
 */
export function recordLines(records: readonly OutboundRecord[]): Uint8Array[] {
  const out: Uint8Array[] = []
  // The open run: a buffer, and the span of it taken so far.
  let runBuffer: ArrayBufferLike | undefined
  let runBytes: Uint8Array | undefined
  let runStart = 0
  let runEnd = 0
  const close = () => {
    if (runBuffer) out.push(new Uint8Array(runBuffer, runStart, runEnd - runStart))
    runBuffer = undefined
  }
  for (const r of records) {
    if (!isEncoded(r)) {
      close()
      const text = JSON.stringify(r)
      const buf = Buffer.allocUnsafe(text.length * 3 + 1) // a UTF-16 unit is at most 3 UTF-8 bytes
      const n = buf.write(text)
      buf[n] = LF
      out.push(buf.subarray(0, n + 1))
      continue
    }
    const { line } = r
    const at = line.byteOffset
    const end = at + line.length
    if (line.buffer !== runBuffer) {
      close()
      runBuffer = line.buffer
      runBytes = new Uint8Array(line.buffer)
      runStart = runEnd = at
    } else if (at !== runEnd) {
      close()
      runBuffer = line.buffer
      runStart = runEnd = at
    }
    if (runBytes && runBytes[end] === LF) {
      runEnd = end + 1
    } else {
      // No line feed after it in its buffer: the line, then a shared one.
      runEnd = end
      close()
      out.push(NEWLINE)
    }
  }
  close()
  return out
}

/** The bytes of `recordLines` together. */
export const byteLength = (parts: readonly Uint8Array[]): number => parts.reduce((n, p) => n + p.length, 0)
