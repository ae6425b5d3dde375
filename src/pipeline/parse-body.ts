/** @module Authenticated raw bytes → the provider's envelope (JSON or form); failure → 400. */
import { decodeUtf8Strict, type Bytes } from '../auth/encoding.ts'
import { BadRequest } from '../errors.ts'
import type { AnyProvider } from '../provider/types.ts'

export function parseBody(provider: AnyProvider, body: Bytes): { raw: unknown; envelope: unknown } {
  let text: string
  try {
    text = decodeUtf8Strict(body)
  } catch {
    throw new BadRequest('body is not valid UTF-8')
  }
  let raw: unknown
  if (provider.body === 'json') {
    try {
      raw = JSON.parse(text)
    } catch {
      throw new BadRequest('body is not valid JSON')
    }
  } else {
    raw = Object.fromEntries(new URLSearchParams(text))
  }
  const result = provider.envelope.safeParse(raw)
  if (!result.success) {
    // Paths and messages only: values are not echoed back.
    const where = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')
    throw new BadRequest(`body is not a ${provider.name} event: ${where}`)
  }
  return { raw, envelope: result.data }
}
