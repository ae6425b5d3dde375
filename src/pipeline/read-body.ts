/** @module Reads the body once, as raw bytes, refusing it (413) as soon as it passes the limit. */
import type { Bytes } from '../auth/encoding.ts'
import { PayloadTooLarge } from '../errors.ts'
import { readCapped } from '../stream/read-capped.ts'

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
  // Chunked: count while streaming, so a body without a length cannot make us buffer more.
  const bytes = await readCapped(req.body, limit)
  if (!bytes) throw new PayloadTooLarge(`body is over the ${limit}-byte limit`)
  return bytes
}
