/** @module Reads the body once, as raw bytes, refusing it (413) as soon as it passes the limit. */
import type { Bytes } from '../auth/encoding.ts'
import { PayloadTooLarge } from '../errors.ts'

export async function readBody(req: Request, limit: number): Promise<Bytes> {
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) {
    throw new PayloadTooLarge(`body of ${declared} bytes is over the ${limit}-byte limit`)
  }
  if (declared !== null && /^\d+$/.test(declared)) {
    // HTTP framing caps the body at the declared length, so it can be read in one go; on Node
    // this is also the fast path that skips building a web stream.
    const bytes = new Uint8Array(await req.arrayBuffer())
    if (bytes.byteLength > limit) throw new PayloadTooLarge(`body is over the ${limit}-byte limit`)
    return bytes
  }
  if (!req.body) return new Uint8Array(0)
  // Count while streaming: a missing or lying Content-Length cannot make us buffer more.
  // Request bodies are never backed by a SharedArrayBuffer.
  const reader = (req.body as ReadableStream<Bytes>).getReader()
  const chunks: Bytes[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw new PayloadTooLarge(`body is over the ${limit}-byte limit`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}
