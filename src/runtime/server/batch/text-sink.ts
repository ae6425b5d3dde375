/** @module A Buffer-backed TextSink: Buffer#write encodes UTF-8 in place, ~6× TextEncoder#encodeInto on Node 20. */
import type { NewTextSink, TextSink } from '../../../batch/encode-unit.ts'
import { createBufferShelf, type BufferShelf } from './buffer-shelf.ts'

/**
 * Below this many UTF-16 units a string is copied by a loop when it is ASCII: a record is ~25
 * short pieces, and Buffer#write's own cost per call (argument checks, the native call) was
 * more than the copy.
 */
const SHORT = 64

/**
 * A class, not an object of closures: a unit gets a new sink, and closures made per sink are new
 * functions each time, so the record writer's ~25 calls a record were never inlined.
 */
class BufferSink implements TextSink {
  #buf: Buffer
  #at = 0
  readonly #shelf: BufferShelf
  constructor(shelf: BufferShelf, capacity: number) {
    this.#shelf = shelf
    this.#buf = Buffer.from(shelf.take(capacity))
  }

  get length(): number {
    return this.#at
  }

  write(text: string): void {
    const len = text.length
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    const buf = this.#room(len * 3)
    const at = this.#at
    if (len <= SHORT) {
      let i = 0
      for (; i < len; i++) {
        const c = text.charCodeAt(i)
        if (c >= 0x80) break
        buf[at + i] = c
      }
      if (i === len) {
        this.#at = at + len
        return
      }
    }
    this.#at = at + buf.write(text, at)
  }

  json(s: string): void {
    const len = s.length
    // JSON.stringify writes at most 6 ASCII characters (\u001f) per unit, plus the quotes.
    const buf = this.#room(len * 6 + 2)
    const at = this.#at
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
        this.#at = at + len + 2
        return
      }
    }
    this.#at = at + buf.write(JSON.stringify(s), at)
  }

  bytes(b: Uint8Array): void {
    const len = b.length
    const buf = this.#room(len)
    const at = this.#at
    if (len < 32) for (let i = 0; i < len; i++) buf[at + i] = b[i] as number
    else buf.set(b, at)
    this.#at = at + len
  }

  byte(b: number): void {
    this.#room(1)[this.#at++] = b
  }

  take(): Uint8Array {
    return new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#at)
  }

  /** The buffer, with room for `bytes` more. */
  #room(bytes: number): Buffer {
    const buf = this.#buf
    if (this.#at + bytes <= buf.length) return buf
    const bigger = Buffer.from(this.#shelf.take(Math.max(this.#at + bytes, Math.ceil(buf.length * 1.5))))
    buf.copy(bigger, 0, 0, this.#at)
    this.#shelf.put(buf.buffer as ArrayBuffer)
    this.#buf = bigger
    return bigger
  }
}

/** Sinks over buffers from `shelf` (never Buffer's shared pool: a worker transfers the whole ArrayBuffer). */
export const shelvedTextSink =
  (shelf: BufferShelf): NewTextSink =>
  (capacity) =>
    new BufferSink(shelf, capacity)

/** A sink over new buffers only. */
export const bufferTextSink: NewTextSink = (capacity) => shelvedTextSink(createBufferShelf(0))(capacity)
