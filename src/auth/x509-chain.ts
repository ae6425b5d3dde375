/** @module X.509 path building and checking over WebCrypto: leaf → intermediates → trust anchor. */
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate,
} from './x509.ts'

/** What a verified chain proves: the leaf, and when every certificate on the path is valid. */
export type VerifiedChain = {
  ok: true
  leaf: X509Certificate
  /** The intersection of the path's validity periods (ms since the epoch, inclusive). */
  notBefore: number
  notAfter: number
}
export type ChainOutcome = VerifiedChain | { ok: false; why: string }

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g
const MAX_CERTS = 8
const MAX_DEPTH = 5

/**
 * Every certificate in PEM text (a chain leaf first, as PayPal serves it; or a set of trust
 * anchors); undefined when there is none, more than `max`, or one does not parse.
 */
export function parsePemBundle(text: string, max = MAX_CERTS): X509Certificate[] | undefined {
  // Env vars often carry PEM with literal "\n"; certificates never contain a backslash.
  const blocks = text.replace(/\\n/g, '\n').match(PEM_BLOCK) ?? []
  if (blocks.length === 0 || blocks.length > max) return undefined
  try {
    return blocks.map((b) => new X509Certificate(b))
  } catch {
    return undefined
  }
}

/**
 * Builds a path from `bundle[0]` through the other bundle certificates to one of `anchors`,
 * checking every signature and that every issuer below the anchor may issue certificates.
 * Validity dates are returned, not checked, so a cached chain is re-checked at each receipt time.
 */
export async function verifyChain(
  bundle: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): Promise<ChainOutcome> {
  const [leaf, ...pool] = bundle
  if (!leaf) return { ok: false, why: 'no certificate' }
  const leafUsage = leaf.getExtension(KeyUsagesExtension)
  if (leafUsage && !(leafUsage.usages & KeyUsageFlags.digitalSignature)) {
    return { ok: false, why: 'leaf key usage does not allow digital signatures' }
  }
  let notBefore = leaf.notBefore.getTime()
  let notAfter = leaf.notAfter.getTime()
  let current = leaf
  for (let intermediates = 0; intermediates <= MAX_DEPTH; intermediates++) {
    const weak = weakSignature(current)
    if (weak) return { ok: false, why: `${current.subject}: ${weak}` }
    for (const anchor of anchors) {
      if (anchor.subject === current.issuer && (await signedBy(current, anchor))) {
        return { ok: true, leaf, notBefore, notAfter }
      }
    }
    let next: X509Certificate | undefined
    for (const candidate of pool) {
      if (candidate.subject !== current.issuer || candidate === current) continue
      if (mayIssue(candidate, intermediates) && (await signedBy(current, candidate))) {
        next = candidate
        break
      }
    }
    if (!next) return { ok: false, why: `no trusted issuer for "${current.issuer}"` }
    notBefore = Math.max(notBefore, next.notBefore.getTime())
    notAfter = Math.min(notAfter, next.notAfter.getTime())
    current = next
  }
  return { ok: false, why: `chain longer than ${MAX_DEPTH} intermediates` }
}

// --- Internal helpers ---

async function signedBy(cert: X509Certificate, issuer: X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer, signatureOnly: true })
  } catch {
    return false // an algorithm WebCrypto does not know is a signature we cannot trust
  }
}

/**
 * An intermediate must be a CA (basicConstraints cA), may sign certificates (keyUsage, when
 * present) and allow the `below` intermediates already under it (pathLenConstraint). Without
 * this, any end-entity certificate from a public CA could mint a "PayPal" leaf.
 */
function mayIssue(cert: X509Certificate, below: number): boolean {
  const bc = cert.getExtension(BasicConstraintsExtension)
  if (!bc?.ca) return false
  if (bc.pathLength !== undefined && below > bc.pathLength) return false
  const usage = cert.getExtension(KeyUsagesExtension)
  return !usage || (usage.usages & KeyUsageFlags.keyCertSign) !== 0
}

function weakSignature(cert: X509Certificate): string | undefined {
  const { hash } = cert.signatureAlgorithm as { hash?: { name?: string } }
  const name = hash?.name?.toUpperCase()
  return name === 'SHA-1' || name === 'MD5' ? `signed with ${name}` : undefined
}
