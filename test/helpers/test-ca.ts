/**
 * A private CA for certificate-signature tests: root → intermediate → leaf made with
 * @peculiar/x509, and RSA-SHA256 signatures made with node:crypto. PayPal publishes no signer
 * (only it holds its private key; see providers.md), so tests sign as PayPal would with their own.
 */
import 'reflect-metadata'
import { createPrivateKey, createSign } from 'node:crypto'
import * as x509 from '@peculiar/x509'

export type KeyedCert = { cert: x509.X509Certificate; keys: CryptoKeyPair; pem: string }

export type IssueOptions = {
  cn: string
  /** A CA certificate (basicConstraints cA, keyCertSign); default false. */
  ca?: boolean
  notBefore?: Date
  notAfter?: Date
  /** Include a keyUsage extension (CA: keyCertSign; else digitalSignature); default true. */
  keyUsage?: boolean
}

const RSA: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
}
// Around the test gateways' fixed clock, 2026-11-22T12:00:00Z.
const FROM = new Date('2026-01-01T00:00:00Z')
const TO = new Date('2030-01-01T00:00:00Z')
let serial = 1

export async function createRoot(cn = 'txgate test root'): Promise<KeyedCert> {
  const keys = await generateKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${cn}, O=txgate tests`,
    notBefore: FROM,
    notAfter: TO,
    keys,
    extensions: caExtensions(),
  })
  return { cert, keys, pem: cert.toString('pem') }
}

/** A certificate for `opts.cn` signed by `issuer`. */
export async function issue(issuer: KeyedCert, opts: IssueOptions): Promise<KeyedCert> {
  const keys = await generateKeys()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${opts.cn}, O=txgate tests`,
    issuer: issuer.cert.subject,
    notBefore: opts.notBefore ?? FROM,
    notAfter: opts.notAfter ?? TO,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: (opts.ca ? caExtensions() : leafExtensions()).slice(
      0,
      opts.keyUsage === false ? 1 : 2,
    ),
  })
  return { cert, keys, pem: cert.toString('pem') }
}

/** PEM chain as a cert URL serves it: leaf first. */
export const pemChain = (...certs: readonly KeyedCert[]): string =>
  certs.map((c) => c.pem).join('\n')

/** Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `data` with `signer`'s private key, by node:crypto. */
export async function signRsaSha256(signer: KeyedCert, data: string): Promise<string> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', signer.keys.privateKey)
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  return createSign('RSA-SHA256').update(data, 'utf8').sign(key, 'base64')
}

// --- Internal helpers ---

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])
}

function leafExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ]
}

/** Basic constraints first, key usage second (issue() may drop the second). */
function caExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ]
}

function nextSerial(): string {
  return (serial++).toString(16).padStart(2, '0')
}
