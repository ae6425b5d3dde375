/** @module Fetching a signer's certificate: URL allow-list (SSRF guard), timeout, size cap. */
import { readCapped } from '../stream/read-capped.ts'

/** Long enough for a slow provider endpoint, short enough not to pin a request. */
export const CERT_FETCH_TIMEOUT_MS = 5000
/** A PEM chain of a few certificates is under 10 KiB. */
export const CERT_MAX_BYTES = 64 * 1024

// Only what a certificate URL needs: no userinfo `@`, query, fragment, `%`-escapes or backslash,
// so no URL parser quirk can make the fetched URL differ from the one the prefix check saw.
const URL_CHARS = /^[A-Za-z0-9\-._~:/]+$/

export type FetchedText = { ok: true; text: string } | { ok: false; why: string }

/**
 * Why `raw` may not be fetched, or undefined when it starts with an allowed prefix. A prefix is
 * taken as given (an http loopback prefix lets tests serve certificates), but the URL must keep
 * the prefix's origin, so `https://api.paypal.com` cannot admit `https://api.paypal.com.evil`.
 */
export function refuseCertUrl(raw: string, prefixes: readonly string[]): string | undefined {
  if (raw.length > 2048 || !URL_CHARS.test(raw) || raw.includes('..')) {
    return 'certificate URL has characters or segments that are not allowed'
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'certificate URL does not parse'
  }
  // An URL the parser rewrites (case, default port, dot segments) is not the one that was checked.
  if (url.href !== raw || url.username || url.password)
    return 'certificate URL is not in canonical form'
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'certificate URL is not http(s)'
  const allowed = prefixes.some((prefix) => raw.startsWith(prefix) && sameOrigin(prefix, url))
  return allowed ? undefined : 'certificate URL is outside the allowed prefixes'
}

/** GET `url` as text: 200 only, no redirects, at most CERT_MAX_BYTES, within the timeout. */
export async function fetchCertText(url: string, fetchImpl: typeof fetch): Promise<FetchedText> {
  let res: Response
  try {
    // 'manual': a redirect could lead off the allow-listed origin ('error' is not on Workers).
    res = await fetchImpl(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS),
    })
  } catch (err) {
    return {
      ok: false,
      why: `certificate fetch failed: ${err instanceof Error ? err.message : String(err)}`,
    }
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => {})
    return { ok: false, why: `certificate URL answered ${res.status}` }
  }
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > CERT_MAX_BYTES) {
    await res.body?.cancel().catch(() => {})
    return { ok: false, why: `certificate response is ${declared} bytes, over ${CERT_MAX_BYTES}` }
  }
  try {
    const bytes = await readCapped(res.body, CERT_MAX_BYTES)
    if (!bytes) return { ok: false, why: `certificate response is over ${CERT_MAX_BYTES} bytes` }
    return { ok: true, text: new TextDecoder().decode(bytes) }
  } catch (err) {
    return {
      ok: false,
      why: `certificate read failed: ${err instanceof Error ? err.message : String(err)}`,
    }
  }
}

// --- Internal helpers ---

function sameOrigin(prefix: string, url: URL): boolean {
  try {
    return new URL(prefix).origin === url.origin
  } catch {
    return false
  }
}
