/** @module Reads TXGATE_SECRETS_FILE (JSON or YAML) into `<NAME>__<TENANT>` settings at start. */
import { readFile } from 'node:fs/promises'
import { ConfigError, type Settings } from '../../config.ts'
import { withTenantSecrets } from '../../tenant/secrets-source.ts'

export async function withTenantSecretsFile(settings: Settings): Promise<Settings> {
  const path = settings['TXGATE_SECRETS_FILE']
  if (!path) return withTenantSecrets(settings)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`TXGATE_SECRETS_FILE ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  return withTenantSecrets(settings, { text, source: `TXGATE_SECRETS_FILE ${path}` })
}
