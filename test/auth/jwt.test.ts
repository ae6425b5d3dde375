import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwt } from '../../src/auth/schemes.ts'
import { verifyJwt } from '../../src/auth/jwt.ts'
import type { VerifyOutcome } from '../../src/auth/types.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'
import {
  bodySha256,
  createIssuer,
  serveJwks,
  type Issuer,
  type JwksServer,
} from '../helpers/jwt-issuer.ts'

const scheme = jwt({
  jwksUrl: 'T_JWKS_URL',
  publicKey: 'T_PEM',
  issuer: 'T_ISS',
  audience: 'T_AUD',
})
const now = Date.UTC(2026, 10, 22, 12, 0, 0)
const t = now / 1000
const body = '{"event_id":"evt_1"}'
const claims = { iss: 'https://issuer.test', aud: 'txgate', sub: 'svc-a' }
const base = { T_ISS: claims.iss, T_AUD: claims.aud }

function verify(
  token: string | undefined,
  settings: Record<string, string>,
  opts: { body?: string; toleranceSec?: number } = {},
): Promise<VerifyOutcome> {
  const headers = new Headers(token === undefined ? {} : { authorization: `Bearer ${token}` })
  const env = createVerifyEnv({ ...base, ...settings }, globalThis.fetch, opts.toleranceSec)
  return verifyJwt(
    scheme,
    { body: new TextEncoder().encode(opts.body ?? body), headers, url: 'http://x/', now },
    env,
  )
}

const reason = (o: VerifyOutcome) => (o.ok ? 'ok' : o.error.reason)
const detail = (o: VerifyOutcome) => (o.ok ? '' : o.error.why)

let ed: Issuer
let edNext: Issuer
let es: Issuer
let jwks: JwksServer

beforeAll(async () => {
  ed = await createIssuer('EdDSA', 'ed-1')
  edNext = await createIssuer('EdDSA', 'ed-2')
  es = await createIssuer('ES256', 'es-1')
  jwks = await serveJwks([es.jwk])
})
afterAll(() => jwks.close())

describe('auth: jwt (PEM keys)', () => {
  it('accepts a valid token and names its subject as the principal', async () => {
    expect(await verify(await ed.sign(claims, t), { T_PEM: ed.pem })).toEqual({
      ok: true,
      principal: 'svc-a',
    })
  })

  it('accepts a PEM written on one line with escaped \\n, as env files hold it', async () => {
    const oneLine = ed.pem.trim().replace(/\n/g, '\\n')
    expect(reason(await verify(await ed.sign(claims, t), { T_PEM: oneLine }))).toBe('ok')
  })

  it('accepts tokens from either of two comma-separated keys (rotation) and no others', async () => {
    const settings = { T_PEM: `${ed.pem},${edNext.pem}` }
    expect(reason(await verify(await ed.sign(claims, t), settings))).toBe('ok')
    expect(reason(await verify(await edNext.sign(claims, t), settings))).toBe('ok')
    expect(reason(await verify(await es.sign(claims, t), settings))).toBe('bad_token')
  })

  it('refuses every token while the issuer or the audience is not configured', async () => {
    const token = await ed.sign(claims, t)
    const noIss = await verify(token, { T_PEM: ed.pem, T_ISS: '' })
    const noAud = await verify(token, { T_PEM: ed.pem, T_AUD: '' })
    expect([reason(noIss), reason(noAud)]).toEqual(['bad_token', 'bad_token'])
    expect(detail(noIss)).toContain('T_ISS')
    expect(detail(noAud)).toContain('T_AUD')
  })

  it('requires iat', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true })
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey)
    const outcome = await verify(token, { T_PEM: await exportSPKI(publicKey) })
    expect(reason(outcome)).toBe('bad_token')
    expect(detail(outcome)).toContain('iat')
  })

  it('refuses a token issued in the future, and one older than the max age', async () => {
    expect(reason(await verify(await ed.sign(claims, t + 30), { T_PEM: ed.pem }))).toBe(
      'future_timestamp',
    )
    expect(reason(await verify(await ed.sign(claims, t - 301), { T_PEM: ed.pem }))).toBe(
      'stale_timestamp',
    )
    expect(reason(await verify(await ed.sign(claims, t - 299), { T_PEM: ed.pem }))).toBe('ok')
  })

  it('uses the per-provider tolerance as the max age (0 switches the age check off)', async () => {
    const old = await ed.sign(claims, t - 3600)
    expect(reason(await verify(old, { T_PEM: ed.pem }, { toleranceSec: 7200 }))).toBe('ok')
    expect(
      reason(await verify(await ed.sign(claims, t - 61), { T_PEM: ed.pem }, { toleranceSec: 60 })),
    ).toBe('stale_timestamp')
    expect(reason(await verify(old, { T_PEM: ed.pem }, { toleranceSec: 0 }))).toBe('ok')
  })

  it('refuses a token whose exp has passed, even when it is younger than the max age', async () => {
    const token = await ed.sign({ ...claims, exp: t - 1 }, t - 10)
    expect(reason(await verify(token, { T_PEM: ed.pem }))).toBe('stale_timestamp')
  })

  it('accepts body_sha256 in hex, base64 and base64url when it matches the body', async () => {
    const digests = await bodySha256(body)
    for (const value of [digests.hex, digests.base64, digests.base64url]) {
      expect(
        reason(
          await verify(await ed.sign({ ...claims, body_sha256: value }, t), { T_PEM: ed.pem }),
        ),
      ).toBe('ok')
    }
  })

  it('refuses a body that is not the one body_sha256 binds, and a body_sha256 that is not a string', async () => {
    const bound = await ed.sign({ ...claims, body_sha256: (await bodySha256(body)).hex }, t)
    expect(reason(await verify(bound, { T_PEM: ed.pem }, { body: `${body} ` }))).toBe('bad_token')
    const numeric = await ed.sign({ ...claims, body_sha256: 12345 }, t)
    expect(reason(await verify(numeric, { T_PEM: ed.pem }))).toBe('bad_token')
  })

  it('answers missing_header without a Bearer token and bad_token for garbage', async () => {
    expect(reason(await verify(undefined, { T_PEM: ed.pem }))).toBe('missing_header')
    const basic = await verifyJwt(
      scheme,
      {
        body: new Uint8Array(),
        headers: new Headers({ authorization: 'Basic dTpw' }),
        url: 'http://x/',
        now,
      },
      createVerifyEnv({ ...base, T_PEM: ed.pem }, globalThis.fetch, undefined),
    )
    expect(reason(basic)).toBe('missing_header')
    expect(reason(await verify('not.a.jwt', { T_PEM: ed.pem }))).toBe('bad_token')
  })
})

describe('auth: jwt (JWKS URL)', () => {
  it('accepts a token whose kid is in the key set', async () => {
    expect(reason(await verify(await es.sign(claims, t), { T_JWKS_URL: jwks.url }))).toBe('ok')
  })

  it('refuses a token whose kid the key set does not hold', async () => {
    const other = await createIssuer('ES256', 'es-unknown')
    expect(reason(await verify(await other.sign(claims, t), { T_JWKS_URL: jwks.url }))).toBe(
      'bad_token',
    )
  })

  it('answers 401-style bad_token, not an exception, when the JWKS URL does not answer', async () => {
    const down = await serveJwks([])
    const url = down.url.replace('/jwks.json', '/missing.json') // 404
    expect(reason(await verify(await es.sign(claims, t), { T_JWKS_URL: url }))).toBe('bad_token')
    await down.close()
  })
})
