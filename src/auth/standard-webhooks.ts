/** @module Standard Webhooks (and Svix): `v1,<base64>` HMAC-SHA256 over `id.timestamp.body`. */
import { fromBase64, utf8, type Bytes } from './encoding.ts'
import { hmacSign, keyBytes } from './hmac-key.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import { checkTolerance } from './tolerance.ts'
import type { RequestToVerify, StandardWebhooksScheme, VerifyEnv, VerifyOutcome } from './types.ts'

// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
const PREFIXES = ['webhook', 'svix'] as const

export async function verifyStandardWebhooks(
  scheme: StandardWebhooksScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const prefix = PREFIXES.find((p) => req.headers.has(`${p}-signature`)) ?? 'webhook'
  const id = req.headers.get(`${prefix}-id`)
  const ts = req.headers.get(`${prefix}-timestamp`)
  const sig = req.headers.get(`${prefix}-signature`)
  if (!id || !ts || !sig) return unauthorized('missing_header', 'webhook-id/-timestamp/-signature required')
  if (!/^\d{1,12}$/.test(ts)) return unauthorized('malformed_header', 'webhook-timestamp is not Unix seconds')

  const candidates = sig
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version]) => version === 'v1') // v1a (asymmetric) and unknown versions are skipped
    .map(([, value]) => (value ? fromBase64(value) : undefined))
    .filter((s): s is Bytes => s !== undefined)
  if (candidates.length === 0) return unauthorized('malformed_header', 'no v1 signature in webhook-signature')

  const content = [utf8(`${id}.${ts}.`), req.body]
  for (const secret of env.secrets(scheme.secret)) {
    const key =
      scheme.keyEncoding === 'utf8'
        ? keyBytes(secret, 'utf8')
        : keyBytes(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
    if (!key) continue
    const expected = await (env.hmac ?? hmacSign)(key, 'SHA-256', content)
    if (candidates.some((c) => timingSafeEqual(c, expected))) {
      const late = checkTolerance(Number(ts), req.now, env.toleranceSec ?? scheme.toleranceSec, 'both')
      return late ? { ok: false, error: late } : { ok: true }
    }
  }
  return unauthorized('bad_signature', 'no webhook-signature matches a configured secret')
}
