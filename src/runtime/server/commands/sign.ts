/** @module `txgate sign <provider> [--file F]`: headers (and a curl line) for a signed test event. */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { providers } from '../../../../providers/index.ts'
import { signRequest } from '../../../auth/sign.ts'
import { isConfigured } from '../../../auth/verify.ts'
import { loadConfig } from '../../../config.ts'
import { createSecretReader } from '../../../pipeline/verify-env.ts'
import type { Command } from '../cli.ts'

export const signCommand: Command = {
  summary: 'sign a test event with the configured secret: sign <provider> [--file body.json] [--url U]',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { file: { type: 'string' }, url: { type: 'string' }, curl: { type: 'boolean' } },
    })
    const provider = providers.find((p) => p.id === positionals[0])
    if (!provider) {
      process.stderr.write(`usage: txgate sign <${providers.map((p) => p.id).join('|')}> [--file F]\n`)
      return 2
    }
    const body = values.file ? await readFile(values.file) : await readStdin()
    const port = loadConfig(process.env).port
    const url = values.url ?? `http://localhost:${port}/webhooks/v1/${provider.id}/events`
    const secrets = createSecretReader(process.env)
    const env = { secrets, setting: (n: string) => process.env[n] }
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
      process.stderr.write(`txgate: no signable secret configured for ${provider.id} (see README: configuration)\n`)
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
