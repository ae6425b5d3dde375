/** @module Outbound records → newline-terminated JSON lines in one Buffer (spool segments). */
import { isEncoded } from '../../publish/encode.ts'
import type { OutboundRecord } from '../../publish/types.ts'

/**
 * An encoded record's line is copied as it is; an object record is UTF-8-encoded straight into
 * the buffer (Buffer#write: ~6× TextEncoder's encodeInto on Node 20), never joined first.
 */
export function recordLines(records: readonly OutboundRecord[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(4096, records.length * 1024))
  let at = 0
  const room = (bytes: number) => {
    if (at + bytes <= buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(at + bytes, buf.length * 2))
    buf.copy(bigger, 0, 0, at)
    buf = bigger
  }
  for (const r of records) {
    if (isEncoded(r)) {
      room(r.line.length + 1)
      buf.set(r.line, at)
      at += r.line.length
    } else {
      const text = JSON.stringify(r)
      // A UTF-16 code unit is at most 3 UTF-8 bytes; +1 for the line feed.
      room(text.length * 3 + 1)
      at += buf.write(text, at)
    }
    buf[at++] = 0x0a
  }
  return buf.subarray(0, at)
}
