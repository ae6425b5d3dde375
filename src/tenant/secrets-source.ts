/**
 * @module Tenants' secrets from a document (the `TXGATE_SECRETS_FILE` file, or the same text in
 * `TXGATE_SECRETS`, a single Workers secret): flattened into `<NAME>__<TENANT>` settings, so the
 * rest of the gateway knows one convention.
 *
 *   tenants:
 *     acme:
 *       STRIPE_WEBHOOK_SECRET: whsec_…             # or a list: [whsec_old, whsec_new] (rotation)
 *       TXGATE_RATE_LIMIT_STRIPE: 50/s
 */
import { parse } from 'yaml'
import { ConfigError, type Settings } from '../config.ts'
import { isTenantId, tenantSuffix } from './tenant-id.ts'

const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/

/** Parses YAML or JSON (YAML reads JSON); throws with what is wrong, naming `source`. */
export function parseTenantSecrets(text: string, source: string): Record<string, string> {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new ConfigError(`${source}: not YAML or JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  const tenants = isObject(doc) ? doc['tenants'] : undefined
  if (!isObject(tenants)) throw new ConfigError(`${source}: expected a "tenants" map of tenant id → settings`)
  const out: Record<string, string> = {}
  for (const [tenant, entries] of Object.entries(tenants)) {
    if (!isTenantId(tenant)) throw new ConfigError(`${source}: tenant "${tenant}" is not [a-z0-9_], 1–64 characters`)
    if (!isObject(entries)) throw new ConfigError(`${source}: tenant "${tenant}" must map setting names to values`)
    for (const [name, value] of Object.entries(entries)) {
      if (!SETTING_NAME.test(name)) throw new ConfigError(`${source}: tenant "${tenant}": "${name}" is not a setting name`)
      const text = Array.isArray(value) ? value.map(String).join(',') : typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
      if (text === undefined) throw new ConfigError(`${source}: tenant "${tenant}": ${name} must be a string or a list of strings`)
      out[`${name}${tenantSuffix(tenant)}`] = text
    }
  }
  return out
}

/**
 * Settings with the tenants of `TXGATE_SECRETS` and of `fileText` added; a variable set directly
 * (`STRIPE_WEBHOOK_SECRET__ACME`) wins over both.
 */
export function withTenantSecrets(settings: Settings, fileText?: { text: string; source: string }): Settings {
  const inline = settings['TXGATE_SECRETS']
  const fromFile = fileText ? parseTenantSecrets(fileText.text, fileText.source) : {}
  const fromInline = inline ? parseTenantSecrets(inline, 'TXGATE_SECRETS') : {}
  return { ...fromFile, ...fromInline, ...settings }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
