/**
 * @module Log lines to a stream, written together once per event-loop turn: a write call (a
 * syscall on a pipe or a file) per line was 7 % of a webhook's CPU on Node at `info`.
 */
import type { Writable } from 'node:stream'

/** Lines held longer than this are written at once, not at the end of the turn. */
const MAX_PENDING_CHARS = 64 * 1024

/**
 * A line sink for createLogger: lines are joined and written after the current I/O callbacks
 * (setImmediate), and whatever is held is written on `exit`, so a line logged just before
 * `process.exit()` or a crash is not lost.
 */
export function batchedLineSink(out: Pick<Writable, 'write'>): (line: string) => void {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    out.write(text)
  }
  process.on('exit', flush)
  return (line) => {
    pending += line + '\n'
    if (pending.length >= MAX_PENDING_CHARS) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}
