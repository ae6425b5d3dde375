/** @module RSA signature with a certificate fetched from an allow-listed URL (PayPal's scheme). */
import { parseRfc3339 } from '../message/timestamp.ts'
import { createCertCache } from './cert-cache.ts'
import { fetchCertText, refuseCertUrl } from './cert-fetch.ts'
import { createFetchBudget } from './fetch-budget.ts'
import { crc32 } from './crc32.ts'
import { fromBase64, utf8 } from './encoding.ts'
import { unauthorized } from './outcome.ts'
import { checkTolerance } from './tolerance.ts'
import type { CertSignatureScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'
import { parsePemBundle, verifyChain } from './x509-chain.ts'
import type { X509Certificate } from './x509.ts'

// The auth-algo header names a Java signature algorithm; PayPal signs with this one only
// (PayPal-Java-SDK Event.validateReceivedEvent), and accepting others would let a request pick.
const AUTH_ALGO = 'SHA256withRSA'
const RSA_SHA256: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
const DAY_MS = 24 * 3600 * 1000
/** How long a certificate URL that served something unusable is not asked again. */
const RECHECK_MS = 5 * 60 * 1000
/**
 * Forged requests with fresh allow-listed URLs would each cost a fetch and a chain check; PayPal
 * itself needs a handful a day. `TXGATE_CERT_FETCHES_PER_MINUTE` overrides it.
 */
const CERT_FETCHES_PER_MINUTE = 60
const certFetchBudget = createFetchBudget()
/** Trust anchors come from configuration; a whole CA bundle may be pasted in. */
const MAX_ANCHORS = 500

/** A signer certificate whose chain verified: what each request still checks at receipt time. */
type SignerCert = { key: CryptoKey; cn: readonly string[]; notBefore: number; notAfter: number }
/** `retry`: a failure of the fetch, not of the content (those are remembered for RECHECK_MS). */
type Lookup = { ok: true; cert: SignerCert } | { ok: false; why: string; retry: boolean }
type Anchors = { id: number; certs: readonly X509Certificate[] }

// Per isolate. The key includes the trust anchors, so a chain checked against one set of roots
// is never served to a scheme configured with another.
const signerCerts = createCertCache<Lookup>()
const anchorSets = new Map<string, Anchors>()
let anchorSetCount = 0

export async function verifyCertSignature(
  scheme: CertSignatureScheme,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<VerifyOutcome> {
  const names = scheme.headers
  const read = readHeaders(names, req.headers)
  if (!read.ok) return unauthorized('missing_header', `no ${read.missing} header`)
  const { id, time, signature: sig, certUrl, algorithm } = read.values
  if (algorithm !== AUTH_ALGO) {
    return unauthorized('malformed_header', `${names.algorithm} is not ${AUTH_ALGO}`)
  }
  const at = parseRfc3339(time)
  if (!at) return unauthorized('malformed_header', `${names.time} is not an RFC 3339 time`)
  const signature = fromBase64(sig)
  if (!signature) return unauthorized('malformed_header', `${names.signature} is not base64`)

  // The time is not proven yet, but checking it before the certificate keeps replays and junk
  // from costing an outbound fetch; a forged time cannot pass the signature afterwards anyway.
  const tolerance = env.toleranceSec ?? scheme.toleranceSec
  const late = checkTolerance(at.getTime() / 1000, req.now, tolerance, 'both')
  if (late) return { ok: false, error: late }

  // Only an allow-listed URL is ever fetched: the header is attacker-controlled (SSRF, own cert).
  const prefixes = orDefaults(
    env.secrets(scheme.certUrlPrefixes.env),
    scheme.certUrlPrefixes.defaults,
  )
  const refused = refuseCertUrl(certUrl, prefixes)
  if (refused) return unauthorized('untrusted_cert_url', refused)

  const lookup = await signerCert(scheme, certUrl, req.now, env)
  if (!lookup.ok) return unauthorized('bad_certificate', lookup.why)
  const { cert } = lookup
  if (req.now < cert.notBefore || req.now > cert.notAfter) {
    return unauthorized(
      'bad_certificate',
      'a certificate of the chain is not valid at receipt time',
    )
  }
  const [cn, ...more] = cert.cn
  if (cn === undefined || more.length > 0 || !scheme.subjectCn.test(cn)) {
    return unauthorized(
      'bad_certificate',
      `certificate subject CN ${JSON.stringify(cert.cn)} is not allowed`,
    )
  }

  // Signed: "<transmission id>|<transmission time>|<webhook id>|<CRC-32 of the raw body>".
  const crc = crc32(req.body)
  for (const webhookId of env.secrets(scheme.webhookId)) {
    const signed = utf8(`${id}|${time}|${webhookId}|${crc}`)
    if (await crypto.subtle.verify(RSA_SHA256, cert.key, signature, signed)) return { ok: true }
  }
  return unauthorized(
    'bad_signature',
    `${names.signature} does not verify for any configured webhook id`,
  )
}

// --- Internal helpers ---

type HeaderValues = Record<keyof CertSignatureScheme['headers'], string>

function readHeaders(
  names: CertSignatureScheme['headers'],
  headers: Headers,
): { ok: true; values: HeaderValues } | { ok: false; missing: string } {
  const values: Partial<HeaderValues> = {}
  for (const [field, name] of Object.entries(names) as [keyof HeaderValues, string][]) {
    const value = headers.get(name)?.trim()
    if (!value) return { ok: false, missing: name }
    values[field] = value
  }
  return { ok: true, values: values as HeaderValues }
}

const orDefaults = (configured: readonly string[], defaults: readonly string[]) =>
  configured.length > 0 ? configured : defaults

function signerCert(
  scheme: CertSignatureScheme,
  url: string,
  now: number,
  env: VerifyEnv,
): Promise<Lookup> {
  const anchors = anchorsFor(
    env.setting(scheme.trustedCa.env) ?? scheme.trustedCa.defaults.join('\n'),
  )
  return signerCerts.get(
    `${anchors.id} ${url}`,
    now,
    () =>
      certFetchBudget.take(now, fetchesPerMinute(env))
        ? loadSignerCert(url, anchors.certs, env.fetch)
        : Promise.resolve<Lookup>({ ok: false, why: 'certificate fetches are over the per-minute budget', retry: true }),
    (lookup) => keepUntil(lookup, now),
  )
}

function fetchesPerMinute(env: VerifyEnv): number {
  const n = Number(env.setting('TXGATE_CERT_FETCHES_PER_MINUTE'))
  return Number.isInteger(n) && n > 0 ? n : CERT_FETCHES_PER_MINUTE
}

/**
 * A verified chain is kept until it expires or a day passes (PayPal serves a new certificate at
 * a new URL; validity is re-checked per request anyway). A failed fetch is not kept, so the
 * provider's retry fetches again; unusable content is not asked for again for a while.
 */
function keepUntil(lookup: Lookup, now: number): number {
  if (lookup.ok) return Math.max(now + RECHECK_MS, Math.min(lookup.cert.notAfter, now + DAY_MS))
  return lookup.retry ? now : now + RECHECK_MS
}

async function loadSignerCert(
  url: string,
  anchors: readonly X509Certificate[],
  fetchImpl: typeof fetch,
): Promise<Lookup> {
  if (anchors.length === 0) {
    return { ok: false, why: 'no trusted CA certificate is configured', retry: false }
  }
  const fetched = await fetchCertText(url, fetchImpl)
  if (!fetched.ok) return { ok: false, why: fetched.why, retry: true }
  const bundle = parsePemBundle(fetched.text)
  if (!bundle) {
    return { ok: false, why: 'certificate URL did not serve a PEM certificate chain', retry: false }
  }
  const chain = await verifyChain(bundle, anchors)
  if (!chain.ok) return { ok: false, why: chain.why, retry: false }
  let key: CryptoKey
  try {
    const spki = chain.leaf.publicKey.rawData
    key = await crypto.subtle.importKey('spki', spki, RSA_SHA256, false, ['verify'])
  } catch {
    return { ok: false, why: 'certificate key is not an RSA key', retry: false }
  }
  const cn = chain.leaf.subjectName.getField('CN')
  return { ok: true, cert: { key, cn, notBefore: chain.notBefore, notAfter: chain.notAfter } }
}

function anchorsFor(pem: string): Anchors {
  let anchors = anchorSets.get(pem)
  if (!anchors) {
    // Configuration, so few distinct values; the bound only guards against misuse.
    if (anchorSets.size >= 16) anchorSets.clear()
    anchors = { id: ++anchorSetCount, certs: parsePemBundle(pem, MAX_ANCHORS) ?? [] }
    anchorSets.set(pem, anchors)
  }
  return anchors
}
