/** @module A Buffer-backed TextSink: Buffer#write encodes UTF-8 in place, ~6× TextEncoder#encodeInto on Node 20. */
import type { NewTextSink } from '../../../batch/encode-unit.ts'
import { createBufferShelf, type BufferShelf } from './buffer-shelf.ts'

/**
 * Below this many UTF-16 units a string is copied by a loop when it is ASCII: a record is ~25
 * short pieces, and Buffer#write's own cost per call (argument checks, the native call) was
 * more than the copy.
 */
const SHORT = 64

/** Sinks over buffers from `shelf` (never Buffer's shared pool: a worker transfers the whole ArrayBuffer). */
export const shelvedTextSink =
  (shelf: BufferShelf): NewTextSink =>
  (capacity) => {
    let buf = Buffer.from(shelf.take(capacity))
    let at = 0
    const room = (bytes: number) => {
      if (at + bytes <= buf.length) return
      const bigger = Buffer.from(shelf.take(Math.max(at + bytes, Math.ceil(buf.length * 1.5))))
      buf.copy(bigger, 0, 0, at)
      shelf.put(buf.buffer)
      buf = bigger
    }
    return {
      write(text) {
        const len = text.length
        // A UTF-16 code unit is at most 3 UTF-8 bytes.
        room(len * 3)
        if (len <= SHORT) {
          let i = 0
          for (; i < len; i++) {
            const c = text.charCodeAt(i)
            if (c >= 0x80) break
            buf[at + i] = c
          }
          if (i === len) {
            at += len
            return
          }
        }
        at += buf.write(text, at)
      },
      json(s) {
        const len = s.length
        // JSON.stringify writes at most 6 ASCII characters (\u001f) per unit, plus the quotes.
        room(len * 6 + 2)
        if (len <= SHORT) {
          buf[at] = 0x22
          let i = 0
          for (; i < len; i++) {
            const c = s.charCodeAt(i)
            // What JSON escapes (quote, backslash, controls) and anything not ASCII: the slow path.
            if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) break
            buf[at + 1 + i] = c
          }
          if (i === len) {
            buf[at + 1 + len] = 0x22
            at += len + 2
            return
          }
        }
        at += buf.write(JSON.stringify(s), at)
      },
      bytes(b) {
        const len = b.length
        room(len)
        if (len < 32) for (let i = 0; i < len; i++) buf[at + i] = b[i] as number
        else buf.set(b, at)
        at += len
      },
      byte(b) {
        room(1)
        buf[at++] = b
      },
      get length() {
        return at
      },
      take: () => new Uint8Array(buf.buffer, buf.byteOffset, at),
    }
  }

/** A sink over new buffers only. */
export const bufferTextSink: NewTextSink = (capacity) => shelvedTextSink(createBufferShelf(0))(capacity)
