/** @module Dispatch from a scheme descriptor to its verifier; which schemes are configured. */
import { verifyBasic } from './basic.ts'
import { verifyCertSignature } from './cert-signature.ts'
import { verifyHmac } from './hmac.ts'
import { verifyJwt } from './jwt.ts'
import { verifyStandardWebhooks } from './standard-webhooks.ts'
import type { AuthScheme, RequestScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'

export function verifyRequest(
  scheme: RequestScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  switch (scheme.kind) {
    case 'hmac':
      return verifyHmac(scheme, req, env)
    case 'standard-webhooks':
      return verifyStandardWebhooks(scheme, req, env)
    case 'jwt':
      return verifyJwt(scheme, req, env)
    case 'basic':
      return verifyBasic(scheme, req, env)
    case 'cert-signature':
      return verifyCertSignature(scheme, req, env)
  }
}

/** Whether the configuration a scheme needs is present. */
export function isConfigured(scheme: AuthScheme, env: Pick<VerifyEnv, 'secrets' | 'setting'>): boolean {
  switch (scheme.kind) {
    case 'hmac':
    case 'standard-webhooks':
    case 'item-hmac':
      return env.secrets(scheme.secret).length > 0
    case 'jwt':
      // Issuer and audience are required: without them a token minted for another service by
      // the same key server would pass.
      return (
        (Boolean(env.setting(scheme.jwksUrl)) || env.secrets(scheme.publicKey).length > 0) &&
        Boolean(env.setting(scheme.issuer)) &&
        Boolean(env.setting(scheme.audience))
      )
    case 'basic':
      return env.secrets(scheme.credentials).length > 0
    case 'cert-signature':
      return Boolean(env.setting(scheme.webhookId))
  }
}

/** The settings that switch a scheme on (for "not configured: set X" start-up lines). */
export function enablingSettings(scheme: AuthScheme): string[] {
  switch (scheme.kind) {
    case 'hmac':
    case 'standard-webhooks':
    case 'item-hmac':
      return [scheme.secret]
    case 'jwt':
      return [`${scheme.jwksUrl} or ${scheme.publicKey}`, scheme.issuer, scheme.audience]
    case 'basic':
      return [scheme.credentials]
    case 'cert-signature':
      return [scheme.webhookId]
  }
}
