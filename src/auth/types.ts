/** @module Authentication schemes as data (descriptors) and the verifier contract. */
import type { Bytes } from './encoding.ts'
import type { Unauthorized } from '../errors.ts'

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-512'
export type Encoding = 'hex' | 'base64'
export type KeyEncoding = 'utf8' | 'hex' | 'base64'

/** HMAC over a template of the raw request: Stripe t/v1, GitHub `sha256=`, bare hex or base64. */
export type HmacScheme = {
  kind: 'hmac'
  /** Env var holding the secret(s); comma-separated values are all tried (key rotation). */
  secret: string
  header: string
  hash: HashName
  encoding: Encoding
  keyEncoding: KeyEncoding
  /** `t=..,v1=..` style: the names of the timestamp and signature entries. */
  pairs?: { timestamp?: string; signature: string; separator: string }
  /** Prefix before the signature in the header, e.g. `sha256=`. */
  prefix?: string
  /**
   * A list of signatures (`1/SHA256/<hex>,2/SHA256/<hex>`, Worldpay): the header is split on
   * `separator` and `pattern`'s first group is each entry's signature; entries not matching are skipped.
   */
  entries?: {
    separator: string
    pattern: RegExp
    /** How one entry is written around its signature, for txgate's own signer (`1/SHA256/<hex>`). */
    format?: (signature: string) => string
  }
  /** What is signed: `{timestamp}`, `{body}` and `{url}` are replaced. */
  signed: string
  /**
   * Builds the signed string instead of `signed`, for schemes that sign values picked from the
   * request rather than its bytes (Mercado Pago: a query value, a header and the timestamp).
   * undefined: the request cannot carry a valid signature (401 bad_signature).
   */
  manifest?(parts: SignedParts): string | undefined
  /** Env var holding the public URL the provider signs (URL-bound schemes). */
  urlFrom?: string
  /** Seconds; only meaningful when a timestamp is signed. */
  toleranceSec?: number
  /** 'past': only old timestamps are rejected (Stripe's SDK); 'both': ± tolerance. */
  toleranceDirection?: 'past' | 'both'
  /** 'auto': a 13-digit timestamp is in milliseconds (Mercado Pago sends either). @default 'seconds' */
  timestampUnit?: 'seconds' | 'auto'
  /** The header holding `{timestamp}` when it is not inside the signature header (Cashfree). */
  timestampHeader?: string
}

/** What a `manifest` may read: the request's headers, query, raw body and the header's timestamp. */
export type SignedParts = { headers: Headers; query: URLSearchParams; body: Bytes; timestamp: string }

/** Standard Webhooks / Svix: webhook-id, webhook-timestamp, webhook-signature `v1,<b64>`. */
export type StandardWebhooksScheme = {
  kind: 'standard-webhooks'
  secret: string
  toleranceSec: number
  /**
   * 'base64' (the spec: `whsec_<base64>`); 'utf8': the secret's own bytes are the key (Polar, whose
   * SDK base64-encodes the secret it is given before handing it to `standardwebhooks`).
   */
  keyEncoding?: 'base64' | 'utf8'
}

/** A JWT bearer token verified with jose against a JWKS URL or a PEM public key. */
export type JwtScheme = {
  kind: 'jwt'
  jwksUrl: string
  publicKey: string
  issuer: string
  audience: string
  algorithms: readonly string[]
  maxAgeSec: number
}

/** HTTP Basic credentials `user:pass` compared in constant time. */
export type BasicScheme = {
  kind: 'basic'
  credentials: string
  /** When true, the provider is configured without it and it is enforced only when set. */
  optional: boolean
}

/**
 * RSA signature with a certificate fetched from a URL named in a header (PayPal's scheme):
 * the URL must start with an allowed prefix, the chain must verify to a trusted root, the
 * subject CN must match, and the certificate must be within its validity.
 */
export type CertSignatureScheme = {
  kind: 'cert-signature'
  headers: { id: string; time: string; signature: string; certUrl: string; algorithm: string }
  /** Env var holding the id of the webhook subscription, part of the signed string. */
  webhookId: string
  certUrlPrefixes: { env: string; defaults: readonly string[] }
  trustedCa: { env: string; defaults: readonly string[] }
  subjectCn: RegExp
  toleranceSec: number
}

/** HMAC inside each body item (Adyen): checked after parsing, every item must verify. */
export type ItemHmacScheme = {
  kind: 'item-hmac'
  secret: string
  hash: HashName
  encoding: Encoding
  keyEncoding: KeyEncoding
  signedString(item: unknown): string
  /**
   * The item's signature; with `keyPairs`, the one made by the key pair named `keyId` (undefined
   * when the item carries none for it), and without `keyId` any one (to tell "none at all").
   */
  signature(item: unknown, keyId?: string): string | undefined
  /**
   * Key pairs (Braintree): each configured secret is `<public id>:<private key>`; the sender signs
   * once per pair it holds and names the pair's public id beside each signature. The HMAC key is
   * the private key's `derive` digest (Braintree: SHA-1), else the private key in `keyEncoding`.
   */
  keyPairs?: { derive?: HashName }
}

export type RequestScheme =
  | HmacScheme
  | StandardWebhooksScheme
  | JwtScheme
  | BasicScheme
  | CertSignatureScheme

export type AuthScheme = RequestScheme | ItemHmacScheme

export type RequestToVerify = {
  body: Bytes
  headers: Headers
  url: string
  /** Receipt time, ms since the epoch. */
  now: number
}

/** An HMAC implementation; server runtimes inject a synchronous one (node:crypto) for speed. */
/** `data` is the signed content, or its parts in order (the body need not be copied next to a prefix). */
export type HmacFn = (key: Bytes, hash: HashName, data: Bytes | readonly Bytes[]) => Promise<Bytes>

export type VerifyEnv = {
  /** Every value of a secret's env var (comma-separated → several, for rotation). */
  secrets(name: string): readonly string[]
  /** A single configuration value. */
  setting(name: string): string | undefined
  fetch: typeof fetch
  /** Per-provider tolerance override in seconds. */
  toleranceSec?: number
  /** Defaults to WebCrypto (`crypto.subtle`). */
  hmac?: HmacFn
}

export type VerifyOutcome =
  | { ok: true; principal?: string }
  | { ok: false; error: Unauthorized }
