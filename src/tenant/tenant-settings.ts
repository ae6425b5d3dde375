/**
 * @module A tenant's view of the settings: its credentials come only from `<NAME>__<TENANT>`,
 * never from the default or another tenant; everything else (URLs, trust roots, limits) falls back
 * to the default setting when the tenant has no own value.
 */
import type { AuthScheme } from '../auth/types.ts'
import type { Settings } from '../config.ts'
import type { AnyProvider } from '../provider/types.ts'
import { tenantSuffix } from './tenant-id.ts'

/** The setting names that identify who may sign for a provider: secrets, key ids, issuers. */
export function credentialSettings(provider: AnyProvider): Set<string> {
  return new Set(provider.auth.schemes.flatMap(credentialsOf))
}

export function tenantSettings(settings: Settings, provider: AnyProvider, tenant: string): Settings {
  const suffix = tenantSuffix(tenant)
  const view: Record<string, string | undefined> = { ...settings }
  // A credential the tenant does not have is absent, not inherited.
  for (const name of credentialSettings(provider)) view[name] = undefined
  for (const [name, value] of Object.entries(settings)) {
    if (name.endsWith(suffix) && name.length > suffix.length) view[name.slice(0, -suffix.length)] = value
  }
  return view
}

// --- Internal helpers ---

function credentialsOf(scheme: AuthScheme): string[] {
  switch (scheme.kind) {
    case 'hmac':
    case 'standard-webhooks':
    case 'item-hmac':
      return [scheme.secret]
    case 'jwt':
      return [scheme.jwksUrl, scheme.publicKey, scheme.issuer, scheme.audience]
    case 'basic':
      return [scheme.credentials]
    case 'cert-signature':
      return [scheme.webhookId]
  }
}
