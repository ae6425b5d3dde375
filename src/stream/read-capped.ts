/** @module Reads a byte stream whole, giving up as soon as it passes a cap. */
import { concatBytes, type Bytes } from '../auth/encoding.ts'

/** The stream's bytes, or undefined (stream cancelled) once more than `max` bytes arrived. */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Bytes | undefined> {
  if (!stream) return new Uint8Array(0)
  // Request and response bodies are never backed by a SharedArrayBuffer.
  const reader = (stream as ReadableStream<Bytes>).getReader()
  const chunks: Bytes[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : concatBytes(...chunks)
}
