/** JWT test issuers signed with jose, and a JWKS served from a loopback node:http server. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'

export type Issuer = {
  alg: string
  kid: string
  /** SPKI PEM of the public key, as GENERIC_JWT_PUBLIC_KEY holds it. */
  pem: string
  /** Public JWK with `kid`, `alg` and `use`, as a JWKS lists it. */
  jwk: JWK
  /** Signs `claims`; `iat` defaults to `at` (Unix seconds). */
  sign(claims: JWTPayload, at: number): Promise<string>
}

export async function createIssuer(alg: 'ES256' | 'RS256' | 'EdDSA', kid: string): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return {
    alg,
    kid,
    pem: await exportSPKI(publicKey),
    jwk,
    sign: (claims, at) =>
      new SignJWT({ ...claims })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setIssuedAt(claims.iat ?? at)
        .sign(privateKey),
  }
}

export type JwksServer = { url: string; keys: JWK[]; requests: number; close(): Promise<void> }

/** Serves `{ keys }` at `/jwks.json` on 127.0.0.1; `keys` can be changed while it runs. */
export async function serveJwks(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, requests: 0, close: async () => {} }
  const server = createServer((req, res) => {
    state.requests++
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end()
      return
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: state.keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  state.url = `http://127.0.0.1:${port}/jwks.json`
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((err) => (err ? reject(err) : resolve()))
    })
  return state
}

/** SHA-256 of `body` in the encodings a `body_sha256` claim may use. */
export async function bodySha256(
  body: string,
): Promise<{ hex: string; base64: string; base64url: string }> {
  const { createHash } = await import('node:crypto')
  const digest = createHash('sha256').update(body, 'utf8').digest()
  return {
    hex: digest.toString('hex'),
    base64: digest.toString('base64'),
    base64url: digest.toString('base64url'),
  }
}
