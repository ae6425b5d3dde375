/** @module `txgate sign <provider> [--file F] [--tenant T]`: headers (and a curl line) for a signed test event. */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { providers } from '../../../../providers/index.ts'
import { signRequest } from '../../../auth/sign.ts'
import { isConfigured } from '../../../auth/verify.ts'
import { loadConfig } from '../../../config.ts'
import { createSecretReader } from '../../../pipeline/verify-env.ts'
import { isTenantId } from '../../../tenant/tenant-id.ts'
import { tenantSettings } from '../../../tenant/tenant-settings.ts'
import { withTenantSecretsFile } from '../tenant-secrets-file.ts'
import type { Command } from '../cli.ts'

export const signCommand: Command = {
  summary: 'sign a test event with the configured secret: sign <provider> [--file body.json] [--url U] [--tenant T]',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { file: { type: 'string' }, url: { type: 'string' }, curl: { type: 'boolean' }, tenant: { type: 'string' } },
    })
    const provider = providers.find((p) => p.id === positionals[0])
    if (!provider) {
      process.stderr.write(`usage: txgate sign <${providers.map((p) => p.id).join('|')}> [--file F]\n`)
      return 2
    }
    const tenant = values.tenant
    if (tenant !== undefined && !isTenantId(tenant)) {
      process.stderr.write(`txgate: tenant "${tenant}" is not [a-z0-9_], 1–64 characters\n`)
      return 2
    }
    const body = values.file ? await readFile(values.file) : await readStdin()
    // With --tenant, the tenant's secrets only, as its route verifies (README: Tenants).
    const all = await withTenantSecretsFile(process.env)
    const settings = tenant === undefined ? all : tenantSettings(all, provider, tenant)
    const port = loadConfig(all).port
    const path = `/webhooks/v1/${provider.id}/events${tenant === undefined ? '' : `/${tenant}`}`
    const url = values.url ?? `http://localhost:${port}${path}`
    const secrets = createSecretReader(settings)
    const env = { secrets, setting: (n: string) => settings[n] }
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    for (const scheme of provider.auth.schemes) {
      if (scheme.kind === 'item-hmac' || !isConfigured(scheme, env)) continue
      const secret = scheme.kind === 'basic' ? secrets(scheme.credentials).at(-1) : 'secret' in scheme ? secrets(scheme.secret).at(-1) : undefined
      if (!secret) continue
      const signed = await signRequest(scheme, { body: new Uint8Array(body), secret, atSec: Math.floor(Date.now() / 1000), url })
      if (!signed) continue
      Object.assign(headers, signed)
      if (provider.auth.mode === 'any') break
    }
    if (Object.keys(headers).length === 1) {
      process.stderr.write(`txgate: no signable secret configured for ${provider.id}${tenant === undefined ? '' : ` tenant ${tenant}`} (see README: configuration)\n`)
      return 1
    }
    const flags = Object.entries(headers).map(([k, v]) => `-H '${k}: ${v}'`).join(' ')
    process.stdout.write(
      values.curl || values.file
        ? `curl -sS -X POST ${flags} --data-binary @${values.file ?? '-'} ${url}\n`
        : Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n',
    )
    return 0
  },
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
