/** @module HMAC over a template of the raw request (Stripe t/v1, `sha256=` prefixed, bare). */
import { fromBase64, fromHex, utf8, type Bytes } from './encoding.ts'
import { hmacSign, keyBytes } from './hmac-key.ts'
import { unauthorized } from './outcome.ts'
import { timingSafeEqual } from './timing-safe.ts'
import { checkTolerance } from './tolerance.ts'
import type { HmacScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'

export async function verifyHmac(
  scheme: HmacScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const header = req.headers.get(scheme.header)
  if (!header) return unauthorized('missing_header', `no ${scheme.header} header`)
  const parsed = parseHeader(scheme, header)
  if (!parsed) return unauthorized('malformed_header', `${scheme.header} is not in the expected format`)
  if (scheme.timestampHeader) {
    const ts = req.headers.get(scheme.timestampHeader)
    if (!ts) return unauthorized('missing_header', `no ${scheme.timestampHeader} header`)
    parsed.timestamp = ts.trim()
  }

  let timestampSec: number | undefined
  if (scheme.signed.includes('{timestamp}') || (scheme.manifest && scheme.pairs?.timestamp)) {
    const digits = scheme.timestampUnit === 'auto' ? /^\d{1,13}$/ : /^\d{1,12}$/
    const where = scheme.timestampHeader ?? scheme.header
    if (parsed.timestamp === undefined || !digits.test(parsed.timestamp)) {
      return unauthorized('malformed_header', `${where} has no valid timestamp`)
    }
    // 'auto': 13 digits are milliseconds (seconds reach 13 digits only in the year 33658).
    timestampSec = parsed.timestamp.length === 13 ? Math.floor(Number(parsed.timestamp) / 1000) : Number(parsed.timestamp)
  }

  let url = ''
  if (scheme.signed.includes('{url}')) {
    url = (scheme.urlFrom && env.setting(scheme.urlFrom)) || req.url
  }
  const manifest = scheme.manifest?.({
    headers: req.headers,
    query: new URL(req.url, 'http://localhost').searchParams,
    body: req.body,
    timestamp: parsed.timestamp ?? '',
  })
  if (scheme.manifest && manifest === undefined) {
    return unauthorized('bad_signature', `the request does not carry what ${scheme.header} signs`)
  }
  const content = manifest !== undefined ? utf8(manifest) : buildSigned(scheme.signed, req.body, parsed.timestamp ?? '', url)
  const candidates = parsed.signatures
    .map((s) => (scheme.encoding === 'hex' ? fromHex(s) : fromBase64(s)))
    .filter((s): s is Bytes => s !== undefined)
  if (candidates.length === 0) return unauthorized('malformed_header', `${scheme.header} has no decodable signature`)

  for (const secret of env.secrets(scheme.secret)) {
    const key = keyBytes(secret, scheme.keyEncoding)
    if (!key) continue
    const expected = await (env.hmac ?? hmacSign)(key, scheme.hash, content)
    if (candidates.some((c) => timingSafeEqual(c, expected))) {
      // The timestamp is checked only once the signature proves it was not forged.
      if (timestampSec !== undefined) {
        const tolerance = env.toleranceSec ?? scheme.toleranceSec ?? 300
        const late = checkTolerance(timestampSec, req.now, tolerance, scheme.toleranceDirection ?? 'both')
        if (late) return { ok: false, error: late }
      }
      return { ok: true }
    }
  }
  return unauthorized('bad_signature', `no ${scheme.header} signature matches a configured secret`)
}

// --- Internal helpers ---

type ParsedHeader = { timestamp?: string; signatures: string[] }

function parseHeader(scheme: HmacScheme, header: string): ParsedHeader | undefined {
  if (scheme.pairs) {
    const { timestamp: tName, signature: sName, separator } = scheme.pairs
    const out: ParsedHeader = { signatures: [] }
    for (const part of header.split(separator)) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      const name = part.slice(0, eq).trim()
      const value = part.slice(eq + 1).trim()
      if (name === tName) out.timestamp = value
      else if (name === sName) out.signatures.push(value)
    }
    return out.signatures.length > 0 ? out : undefined
  }
  const value = header.trim()
  if (scheme.entries) {
    const { separator, pattern } = scheme.entries
    const signatures = value
      .split(separator)
      .map((entry) => pattern.exec(entry.trim())?.[1])
      .filter((s): s is string => s !== undefined)
    return signatures.length > 0 ? { signatures } : undefined
  }
  if (scheme.prefix) {
    return value.startsWith(scheme.prefix) ? { signatures: [value.slice(scheme.prefix.length)] } : undefined
  }
  return { signatures: [value] }
}

// Templates come from provider definitions (a handful): each is split and its literals encoded once.
const templates = new Map<string, readonly (Bytes | '{body}' | '{timestamp}' | '{url}')[]>()

/** The signed content's parts in order: the body itself, not a copy of it after a prefix. */
function buildSigned(template: string, body: Bytes, timestamp: string, url: string): Bytes[] {
  let pieces = templates.get(template)
  if (!pieces) {
    pieces = template
      .split(/(\{body\}|\{timestamp\}|\{url\})/)
      .filter((p) => p !== '')
      .map((p) => (p === '{body}' || p === '{timestamp}' || p === '{url}' ? p : utf8(p)))
    templates.set(template, pieces)
  }
  return pieces.map((p) => (p === '{body}' ? body : p === '{timestamp}' ? utf8(timestamp) : p === '{url}' ? utf8(url) : p))
}
