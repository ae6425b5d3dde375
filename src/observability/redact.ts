/**
 * @module Log redaction, the last line of defence: secrets, signatures, credentials and card
 * numbers never reach a log line, whatever a caller passes in.
 */

const REDACTED = '[redacted]'

/** Field names whose values are never logged, at any depth. */
const SENSITIVE_KEY =
  /secret|signature|authorization|password|passwd|token|api[-_]?key|cookie|credential|private[-_]?key|^pan$|card[-_]?number/i

// One pass over each string: credentials after an auth scheme word, signature parameters
// (Stripe `v1=<hex>`, Standard Webhooks `v1,<base64>`, `sha256=<hex>`), well-known secret
// formats, and 13–19 digit runs (spaces or dashes allowed) that are checked with Luhn below.
const SENSITIVE_TEXT = new RegExp(
  [
    String.raw`(?<auth>\b(?:Bearer|Basic|Digest)\s+)[A-Za-z0-9._~+/=-]+`,
    String.raw`(?<sig>\b(?:v\d|sha\d+)[=,])[A-Za-z0-9+/=_-]{16,}`,
    String.raw`\bwhsec_[A-Za-z0-9+/=]+`,
    String.raw`\b[sr]k_(?:live|test)_[A-Za-z0-9]+`,
    String.raw`(?<![A-Za-z0-9])\d(?:[ -]?\d){12,18}(?![A-Za-z0-9])`,
  ].join('|'),
  'g',
)

// Cheap test that a string cannot match SENSITIVE_TEXT (each alternative there needs one of
// these), so the common short ids and words of a log line skip the full expression.
const MAY_BE_SENSITIVE = /[\s=,]|whsec_|_(?:live|test)_|\d[\d -]{12}/

const MAX_DEPTH = 8

export type Redactor = {
  (fields: Record<string, unknown>): Record<string, unknown>
  into(head: Record<string, unknown>, fields: Record<string, unknown> | undefined): Record<string, unknown>
}

/**
 * @param secrets Configured secret values, removed wherever they appear in a string
 * (values shorter than 8 characters are ignored: they would redact ordinary words).
 */
export function createRedactor(secrets: readonly string[] = []): Redactor {
  const known = secrets.filter((s) => s.length >= 8)
  // Field names repeat from line to line: remember the verdict (bounded, names are few).
  const keyVerdicts = new Map<string, boolean>()
  const sensitiveKey = (k: string): boolean => {
    let v = keyVerdicts.get(k)
    if (v === undefined) {
      v = SENSITIVE_KEY.test(k)
      if (keyVerdicts.size < 1000) keyVerdicts.set(k, v)
    }
    return v
  }
  // Most of a line's strings (ids, method, path, names) are shorter than any secret: no search.
  const shortest = known.reduce((n, k) => Math.min(n, k.length), Infinity)
  const text = (s: string): string => {
    let out = redactText(s)
    if (out.length < shortest) return out
    for (const k of known) if (out.includes(k)) out = out.split(k).join(REDACTED)
    return out
  }
  const value = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v)
    if (v === null || typeof v !== 'object') return v
    if (depth >= MAX_DEPTH) return '[truncated]'
    if (v instanceof Error) return text(v.stack ?? String(v))
    if (Array.isArray(v)) return v.map((x) => value(x, depth + 1))
    if (v instanceof Headers) return object(Object.fromEntries(v), depth + 1)
    return object(v as Record<string, unknown>, depth + 1)
  }
  const object = (o: Record<string, unknown>, depth: number, into: Record<string, unknown> = {}): Record<string, unknown> => {
    for (const k of Object.keys(o)) into[k] = sensitiveKey(k) ? REDACTED : value(o[k], depth)
    return into
  }
  const redactor = ((fields) => object(fields, 0)) as Redactor
  // A log line's head and its fields redacted into one object: what redacting `{...head, ...fields}` gives, without the copy.
  redactor.into = (head, fields) => (fields ? object(fields, 0, object(head, 0)) : object(head, 0))
  return redactor
}

/**
 * The pattern rules alone (credentials, signatures, secret formats, card numbers), without the
 * configured secrets: for text a client is shown, such as a problem's detail quoting the request.
 */
export function redactText(s: string): string {
  return maySensitive(s) ? s.replace(SENSITIVE_TEXT, replace) : s
}

/**
 * MAY_BE_SENSITIVE's verdict by one pass over the char codes (a log line's dozen strings through
 * the regex were ~1 µs per line): whitespace, `=` or `,`, `whsec_`, `_live_`/`_test_`, or a digit
 * followed by 12 digits, spaces or dashes. Non-ASCII text goes to the regex itself (its \s).
 */
function maySensitive(s: string): boolean {
  let firstDigit = -1 // where the current run of [0-9 -] has its first digit, or -1
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 127) return MAY_BE_SENSITIVE.test(s)
    if (c >= 48 && c <= 57) {
      if (firstDigit < 0) firstDigit = i
      else if (i - firstDigit >= 12) return true
      continue
    }
    if (c === 32) {
      return true // whitespace
    }
    if (c === 45) {
      if (firstDigit >= 0 && i - firstDigit >= 12) return true
      continue
    }
    firstDigit = -1
    if (c === 61 || c === 44 || (c >= 9 && c <= 13)) return true
    if (c === 119 /* w */ && s.startsWith('whsec_', i)) return true
    if (c === 95 /* _ */ && (s.startsWith('_live_', i) || s.startsWith('_test_', i))) return true
  }
  return false
}

/** True for a digit string passing the Luhn check (what every card number does). */
export function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

// --- Internal helpers ---

function replace(match: string, ...args: unknown[]): string {
  const groups = args.at(-1) as { auth?: string; sig?: string }
  if (groups.auth !== undefined) return groups.auth + REDACTED
  if (groups.sig !== undefined) return groups.sig + REDACTED
  const c = match.charCodeAt(0)
  if (c < 48 || c > 57) return REDACTED // whsec_…, sk_live_…
  return luhn(match.replace(/[ -]/g, '')) ? '[redacted-pan]' : match
}

// Setting names that hold secrets by convention (STRIPE_WEBHOOK_SECRET, ADYEN_HMAC_KEY,
// ADYEN_BASIC_AUTH, UPSTASH_REDIS_REST_TOKEN, TXGATE_ADMIN_TOKEN, …).
const SECRET_SETTING =
  /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|HMAC|BASIC_AUTH|API_?KEY|_KEY$/i
// Credentials inside a URL setting (REDIS_URL=redis://user:password@host).
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^@/]+)@/i

/** The secret values among settings, to hand to createLogger; comma-separated lists are split. */
export function secretValues(settings: Readonly<Record<string, string | undefined>>): string[] {
  const out = new Set<string>()
  for (const [name, value] of Object.entries(settings)) {
    if (!value) continue
    if (SECRET_SETTING.test(name)) {
      out.add(value.trim())
      for (const part of value.split(',')) if (part.trim()) out.add(part.trim())
    }
    const pw = URL_PASSWORD.exec(value)?.[1]
    if (pw) out.add(decodeURIComponent(pw))
  }
  return [...out]
}
