/** @module Our own signer for the header-based schemes: for `txgate sign`, curl examples and benches. */
import { concatBytes, fromBase64, toBase64, toHex, utf8, type Bytes } from './encoding.ts'
import { hmacSign, keyBytes } from './hmac-key.ts'
import type { RequestScheme } from './types.ts'

export type SignInput = { body: Bytes; secret: string; atSec: number; url: string; id?: string }

/** Headers that authenticate `body` under `scheme`, or undefined for schemes we cannot sign. */
export async function signRequest(
  scheme: RequestScheme,
  input: SignInput,
): Promise<Record<string, string> | undefined> {
  switch (scheme.kind) {
    case 'hmac': {
      // A manifest signs values of the request we do not make up here (Mercado Pago's request id).
      if (scheme.manifest) return undefined
      const key = keyBytes(input.secret, scheme.keyEncoding)
      if (!key) return undefined
      const ts = String(input.atSec)
      const parts = scheme.signed.split(/(\{body\}|\{timestamp\}|\{url\})/).map((p) =>
        p === '{body}' ? input.body : utf8(p === '{timestamp}' ? ts : p === '{url}' ? input.url : p),
      )
      const mac = await hmacSign(key, scheme.hash, concatBytes(...parts))
      const sig = scheme.encoding === 'hex' ? toHex(mac) : toBase64(mac)
      const value = scheme.pairs
        ? [scheme.pairs.timestamp ? `${scheme.pairs.timestamp}=${ts}` : '', `${scheme.pairs.signature}=${sig}`]
            .filter(Boolean)
            .join(scheme.pairs.separator)
        : scheme.entries?.format
          ? scheme.entries.format(sig)
          : `${scheme.prefix ?? ''}${sig}`
      return { [scheme.header]: value, ...(scheme.timestampHeader ? { [scheme.timestampHeader]: ts } : {}) }
    }
    case 'standard-webhooks': {
      // Polar's keyEncoding 'utf8': the secret's own bytes, as the verifier keys it.
      const key =
        scheme.keyEncoding === 'utf8'
          ? utf8(input.secret)
          : fromBase64(input.secret.startsWith('whsec_') ? input.secret.slice(6) : input.secret)
      if (!key) return undefined
      const id = input.id ?? `msg_${crypto.randomUUID()}`
      const mac = await hmacSign(key, 'SHA-256', concatBytes(utf8(`${id}.${input.atSec}.`), input.body))
      return {
        'webhook-id': id,
        'webhook-timestamp': String(input.atSec),
        'webhook-signature': `v1,${toBase64(mac)}`,
      }
    }
    case 'basic':
      return { authorization: `Basic ${toBase64(utf8(input.secret))}` }
    default:
      return undefined
  }
}
