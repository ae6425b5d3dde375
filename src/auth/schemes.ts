/** @module Builders of authentication scheme descriptors (data; verified by src/auth/verify.ts). */
import type {
  BasicScheme,
  CertSignatureScheme,
  HmacScheme,
  ItemHmacScheme,
  JwtScheme,
  StandardWebhooksScheme,
} from './types.ts'

/** HMAC over a template; defaults: SHA-256, hex, UTF-8 key, signed `{body}`. */
export function hmac(
  options: Pick<HmacScheme, 'secret' | 'header'> & Partial<Omit<HmacScheme, 'kind'>>,
): HmacScheme {
  return { hash: 'SHA-256', encoding: 'hex', keyEncoding: 'utf8', signed: '{body}', ...options, kind: 'hmac' }
}

/** Standard Webhooks / Svix headers; `whsec_` base64 secrets; ± tolerance (default 300 s). */
export function standardWebhooks(
  options: Pick<StandardWebhooksScheme, 'secret'> & Partial<Pick<StandardWebhooksScheme, 'toleranceSec' | 'keyEncoding'>>,
): StandardWebhooksScheme {
  return { toleranceSec: 300, ...options, kind: 'standard-webhooks' }
}

/** JWT bearer; each field names an env var. Default algorithms: asymmetric ones only. */
export function jwt(
  options: Pick<JwtScheme, 'jwksUrl' | 'publicKey' | 'issuer' | 'audience'> &
    Partial<Pick<JwtScheme, 'algorithms' | 'maxAgeSec'>>,
): JwtScheme {
  return {
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
    maxAgeSec: 300,
    ...options,
    kind: 'jwt',
  }
}

export function basic(options: { credentials: string; optional?: boolean }): BasicScheme {
  return { optional: false, ...options, kind: 'basic' }
}

export function certSignature(options: Omit<CertSignatureScheme, 'kind'>): CertSignatureScheme {
  return { ...options, kind: 'cert-signature' }
}

/** HMAC inside each item; the item type is the provider's, checked by its envelope schema. */
export function itemHmac<I>(
  options: Omit<ItemHmacScheme, 'kind' | 'signedString' | 'signature'> & {
    signedString(item: I): string
    signature(item: I, keyId?: string): string | undefined
  },
): ItemHmacScheme {
  return { ...(options as Omit<ItemHmacScheme, 'kind'>), kind: 'item-hmac' }
}
