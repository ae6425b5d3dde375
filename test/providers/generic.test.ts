import { createHmac } from 'node:crypto'
import { SignJWT, UnsecuredJWT } from 'jose'
import { Webhook as SvixWebhook } from 'svix'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import {
  bodySha256,
  createIssuer,
  serveJwks,
  type Issuer,
  type JwksServer,
} from '../helpers/jwt-issuer.ts'
import { current, event, signStandard } from './cases/generic.ts'

// The table cases (valid, tampers, rotation, duplicate, ignored, DLQ) are in cases/generic.ts.

const nowSec = (g: TestGateway) => Math.floor(g.clock.now / 1000)
const hmacHex = (secret: string, body: string) =>
  createHmac('sha256', secret).update(body).digest('hex')

describe('provider: generic (Standard Webhooks and X-Signature HMAC)', () => {
  it('accepts a Svix-signed request with svix-* headers', async () => {
    const g = createTestGateway({ GENERIC_WEBHOOK_SECRET: current })
    const body = event()
    const at = new Date(g.clock.now)
    const signature = new SvixWebhook(current).sign('msg_svix', at, body)
    const headers = {
      'svix-id': 'msg_svix',
      'svix-timestamp': String(nowSec(g)),
      'svix-signature': signature,
    }
    expect((await g.post('generic', body, headers)).status).toBe(200)
  })

  it('accepts an X-Signature hex HMAC-SHA256 of the body when only GENERIC_HMAC_SECRET is set', async () => {
    const g = createTestGateway({ GENERIC_HMAC_SECRET: 'hmac-secret-1' })
    const body = event()
    const res = await g.post('generic', body, { 'x-signature': hmacHex('hmac-secret-1', body) })
    expect(res.status).toBe(200)
    expect(g.publisher.records).toHaveLength(1)
  })

  it('rejects a bad, missing or body-mismatched X-Signature', async () => {
    const g = createTestGateway({ GENERIC_HMAC_SECRET: 'hmac-secret-1' })
    const body = event()
    const good = hmacHex('hmac-secret-1', body)
    expect((await g.post('generic', body, { 'x-signature': hmacHex('other', body) })).status).toBe(
      401,
    )
    expect((await g.post('generic', body)).status).toBe(401)
    expect((await g.post('generic', `${body} `, { 'x-signature': good })).status).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('accepts either of two comma-separated HMAC secrets (rotation)', async () => {
    const g = createTestGateway({ GENERIC_HMAC_SECRET: 'old-secret, new-secret' })
    const a = event({ event_id: 'evt_a' })
    const b = event({ event_id: 'evt_b' })
    expect((await g.post('generic', a, { 'x-signature': hmacHex('old-secret', a) })).status).toBe(
      200,
    )
    expect((await g.post('generic', b, { 'x-signature': hmacHex('new-secret', b) })).status).toBe(
      200,
    )
  })

  it('with several schemes configured, any one verifying is enough and a failing one alone is 401', async () => {
    const g = createTestGateway({
      GENERIC_WEBHOOK_SECRET: current,
      GENERIC_HMAC_SECRET: 'hmac-secret-1',
    })
    const body = event()
    expect(
      (await g.post('generic', body, { 'x-signature': hmacHex('hmac-secret-1', body) })).status,
    ).toBe(200)
    const other = event({ event_id: 'evt_other' })
    expect(
      (
        await g.post(
          'generic',
          other,
          signStandard(other, { secret: current, at: nowSec(g) }).headers,
        )
      ).status,
    ).toBe(200)
    expect((await g.post('generic', other, { 'x-signature': hmacHex('nope', other) })).status).toBe(
      401,
    )
  })

  it('is not served (404) when none of its schemes is configured', async () => {
    const g = createTestGateway({})
    expect((await g.post('generic', event())).status).toBe(404)
  })
})

describe('provider: generic (payload mapping)', () => {
  const secret = 'map-secret'
  const post = async (body: string) => {
    const g = createTestGateway({ GENERIC_HMAC_SECRET: secret })
    const res = await g.post('generic', body, { 'x-signature': hmacHex(secret, body) })
    return { res, record: g.publisher.records[0] }
  }

  it('reads a Unix-seconds timestamp', async () => {
    const { record } = await post(event({ timestamp: 1795348800 }))
    expect(record?.value).toMatchObject({ timestamp: '2026-11-22T12:00:00.000Z' })
  })

  it('converts a decimal string amount from major units ("10.50" EUR → 1050)', async () => {
    const { res, record } = await post(event({ amount: '10.50', currency: 'EUR' }))
    expect(res.status).toBe(200)
    expect(record?.topic).toBe('transactions.realtime')
    expect(record?.value).toMatchObject({ amount: 1050, currency: 'EUR' })
  })

  it('sends a decimal that JPY cannot hold ("1.5") to the DLQ with the reason', async () => {
    const { res, record } = await post(event({ amount: '1.5', currency: 'JPY' }))
    expect(res.status).toBe(200)
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toMatch(/JPY/)
  })

  it('sends a fractional number amount (not minor units) to the DLQ', async () => {
    const { record } = await post(event({ amount: 10.5 }))
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toMatch(/amount/)
  })

  it('sends a transaction without a transaction_id to the DLQ', async () => {
    const { record } = await post(event({ transaction_id: undefined }))
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toMatch(/transaction_id/)
  })

  it('answers 400 for an authentic body without event_id', async () => {
    const { res, record } = await post(event({ event_id: undefined }))
    expect(res.status).toBe(400)
    expect(record).toBeUndefined()
  })

  it('maps an absent customer_id to null', async () => {
    const { record } = await post(event({ customer_id: undefined }))
    expect(record?.value).toMatchObject({ customer_id: null })
  })
})

describe('provider: generic (JWT bearer)', () => {
  const issuerUrl = 'https://producers.example'
  const audience = 'txgate'
  let es: Issuer
  let rs: Issuer
  let jwks: JwksServer

  beforeAll(async () => {
    es = await createIssuer('ES256', 'es-1')
    rs = await createIssuer('RS256', 'rs-1')
    jwks = await serveJwks([es.jwk])
  })
  afterAll(() => jwks.close())

  const jwksGateway = () =>
    createTestGateway({
      GENERIC_JWKS_URL: jwks.url,
      GENERIC_JWT_ISSUER: issuerUrl,
      GENERIC_JWT_AUDIENCE: audience,
    })
  const pemGateway = () =>
    createTestGateway({
      GENERIC_JWT_PUBLIC_KEY: rs.pem,
      GENERIC_JWT_ISSUER: issuerUrl,
      GENERIC_JWT_AUDIENCE: audience,
    })
  const claims = { iss: issuerUrl, aud: audience, sub: 'store-backend' }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  it('accepts a token verified against the JWKS URL', async () => {
    const g = jwksGateway()
    const res = await g.post('generic', event(), bearer(await es.sign(claims, nowSec(g))))
    expect(res.status).toBe(200)
    expect(g.publisher.records).toHaveLength(1)
  })

  it('accepts a token verified against a PEM public key', async () => {
    const g = pemGateway()
    expect(
      (await g.post('generic', event(), bearer(await rs.sign(claims, nowSec(g))))).status,
    ).toBe(200)
  })

  it('rejects a wrong issuer and a wrong audience', async () => {
    const g = jwksGateway()
    const t = nowSec(g)
    expect(
      (
        await g.post(
          'generic',
          event(),
          bearer(await es.sign({ ...claims, iss: 'https://evil' }, t)),
        )
      ).status,
    ).toBe(401)
    expect(
      (await g.post('generic', event(), bearer(await es.sign({ ...claims, aud: 'billing' }, t))))
        .status,
    ).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const g = pemGateway()
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(nowSec(g))
      .sign(new TextEncoder().encode(rs.pem))
    expect((await g.post('generic', event(), bearer(token))).status).toBe(401)
    expect(g.logs.some((l) => String(l['detail']).includes('alg HS256 not allowed'))).toBe(true)
  })

  it('refuses an unsecured token (alg "none")', async () => {
    const g = jwksGateway()
    const token = new UnsecuredJWT(claims).setIssuedAt(nowSec(g)).encode()
    expect((await g.post('generic', event(), bearer(token))).status).toBe(401)
  })

  it('refuses an expired token and one older than the max age', async () => {
    const g = jwksGateway()
    const t = nowSec(g)
    const expired = await es.sign({ ...claims, exp: t - 1 }, t - 60)
    const tooOld = await es.sign(claims, t - 301)
    expect((await g.post('generic', event(), bearer(expired))).status).toBe(401)
    expect((await g.post('generic', event(), bearer(tooOld))).status).toBe(401)
    expect(g.logs.filter((l) => l['reason'] === 'stale_timestamp')).toHaveLength(2)
  })

  it('refuses a token signed by a key the JWKS does not hold', async () => {
    const g = jwksGateway()
    const stranger = await createIssuer('ES256', 'es-1') // same kid, other key
    expect(
      (await g.post('generic', event(), bearer(await stranger.sign(claims, nowSec(g))))).status,
    ).toBe(401)
  })

  it('accepts a body bound by body_sha256 and refuses another body under the same token', async () => {
    const g = jwksGateway()
    const body = event()
    const token = await es.sign({ ...claims, body_sha256: (await bodySha256(body)).hex }, nowSec(g))
    expect((await g.post('generic', body, bearer(token))).status).toBe(200)
    const other = event({ event_id: 'evt_swapped', amount: 1 })
    expect((await g.post('generic', other, bearer(token))).status).toBe(401)
    expect(g.publisher.records).toHaveLength(1)
  })

  it('accepts an unbound token for any body (the token authenticates the sender only)', async () => {
    const g = jwksGateway()
    const token = await es.sign(claims, nowSec(g))
    expect((await g.post('generic', event({ event_id: 'evt_1' }), bearer(token))).status).toBe(200)
    expect((await g.post('generic', event({ event_id: 'evt_2' }), bearer(token))).status).toBe(200)
  })

  it('rate-limits per token subject', async () => {
    const g = createTestGateway({
      GENERIC_JWT_PUBLIC_KEY: rs.pem,
      GENERIC_JWT_ISSUER: issuerUrl,
      GENERIC_JWT_AUDIENCE: audience,
      TXGATE_RATE_LIMIT_GENERIC: '1/m',
    })
    const t = nowSec(g)
    const a = await rs.sign({ ...claims, sub: 'producer-a' }, t)
    const b = await rs.sign({ ...claims, sub: 'producer-b' }, t)
    expect((await g.post('generic', event({ event_id: 'e1' }), bearer(a))).status).toBe(200)
    expect((await g.post('generic', event({ event_id: 'e2' }), bearer(a))).status).toBe(429)
    expect((await g.post('generic', event({ event_id: 'e3' }), bearer(b))).status).toBe(200)
  })
})
