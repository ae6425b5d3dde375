import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createJobRunner, type JobRunner } from '../../src/runtime/server/batch/jobs.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import { bodySha256, createIssuer, serveJwks, type Issuer, type JwksServer } from '../helpers/jwt-issuer.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../runtime/server/batch/harness.ts'

const TOKEN = 'admin-token-0123456789'
let h: Harness
let g: TestGateway
let runner: JobRunner
let uploads: string

async function setup(settings: Record<string, string> = { TXGATE_ADMIN_TOKEN: TOKEN }) {
  h = await createHarness({ mappings: { acme: ACME } })
  uploads = await mkdtemp(join(tmpdir(), 'txgate-uploads-'))
  runner = createJobRunner(h.env, uploads)
  g = createTestGateway(settings, { deps: { batch: runner, publisher: h.publisher } })
}
afterEach(async () => {
  // A job still running would write into the harness's directories while they are removed.
  await runner?.idle()
  await h?.close()
  await rm(uploads, { recursive: true, force: true })
})

const upload = (body: string, opts: { token?: string; query?: string; headers?: Record<string, string> } = {}) =>
  g.app.request(`http://gateway.test/batch/v1/acme/files${opts.query ?? '?name=day.csv'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token ?? TOKEN}`, 'content-type': 'text/csv', ...opts.headers },
    body,
  })

describe('batch: HTTP routes', () => {
  it('answers 202 with a job id, then reports the result by GET', async () => {
    await setup()
    const res = await upload(`${ACME_HEADER}\n${acmeRows(30)}bad;x;1;EUR;S;card;C\n`)
    expect(res.status).toBe(202)
    const { job_id, status_url } = (await res.json()) as { job_id: string; status_url: string }
    expect(res.headers.get('location')).toBe(status_url)
    await runner.idle()
    const job = await g.app.request(`http://gateway.test${status_url}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(job.status).toBe(200)
    expect(await job.json()).toMatchObject({
      id: job_id,
      state: 'succeeded',
      file: 'day.csv',
      stats: { read: 31, published: 30, dlq: 1 },
    })
    expect(h.transactions()).toHaveLength(30)
  })

  it('refuses a request without the admin bearer token (401 problem+json)', async () => {
    await setup()
    for (const token of ['wrong', '']) {
      const res = await upload(`${ACME_HEADER}\n${acmeRows(1)}`, { token })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    const elsewhere = await g.app.request('http://gateway.test/batch/v1/anything')
    expect(elsewhere.status).toBe(401)
    expect(h.publisher.records).toHaveLength(0)
  })

  it('keeps the routes closed when no admin token is configured', async () => {
    await setup()
    g = createTestGateway({}, { deps: { batch: runner } })
    expect((await upload(`${ACME_HEADER}\n${acmeRows(1)}`)).status).toBe(401)
    expect(g.logs.find((l) => l['event'] === 'batch_auth_config')?.['msg']).toMatch(/^batch routes are closed: set TXGATE_ADMIN_TOKEN, or /)
    expect(g.logs.find((l) => l['event'] === 'auth_failure' && l['route'] === 'batch')?.['detail']).toMatch(/closed/)
  })

  it('reports a wrong upload checksum as a refused job, nothing published', async () => {
    await setup()
    const res = await upload(`${ACME_HEADER}\n${acmeRows(3)}`, { headers: { 'txgate-checksum': `sha256:${'ab'.repeat(32)}` } })
    const { status_url } = (await res.json()) as { status_url: string }
    await runner.idle()
    const job = await (await g.app.request(`http://gateway.test${status_url}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()
    expect(job).toMatchObject({ state: 'refused', refusal: 'checksum_mismatch' })
    expect(h.publisher.records).toHaveLength(0)
  })

  it('answers 400 for a malformed checksum header, 404 for a provider without a mapping or an unknown job', async () => {
    await setup()
    expect((await upload('x', { headers: { 'txgate-checksum': 'md5:abc' } })).status).toBe(400)
    const none = await g.app.request('http://gateway.test/batch/v1/nobody/files', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' })
    expect(none.status).toBe(404)
    const unknown = await g.app.request(`http://gateway.test/batch/v1/jobs/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(unknown.status).toBe(404)
  })
})

describe('batch: HTTP routes with a JWT (generic scheme, audience of its own)', () => {
  const issuerUrl = 'https://producers.example'
  const audience = 'txgate-batch'
  const webhookAudience = 'txgate'
  let es: Issuer
  let rs: Issuer
  let jwks: JwksServer

  beforeAll(async () => {
    es = await createIssuer('ES256', 'es-1')
    rs = await createIssuer('RS256', 'rs-1')
    jwks = await serveJwks([es.jwk])
  })
  afterAll(() => jwks.close())

  const jwtSettings = (over: Record<string, string> = {}) => ({
    TXGATE_ADMIN_TOKEN: TOKEN,
    GENERIC_JWKS_URL: jwks.url,
    GENERIC_JWT_ISSUER: issuerUrl,
    GENERIC_JWT_AUDIENCE: webhookAudience,
    TXGATE_BATCH_JWT_AUDIENCE: audience,
    ...over,
  })
  const claims = { iss: issuerUrl, aud: audience, sub: 'settlement-loader' }
  const nowSec = () => Math.floor(g.clock.now / 1000)
  const csv = () => `${ACME_HEADER}\n${acmeRows(3)}`
  const getJob = (url: string, token: string) =>
    g.app.request(`http://gateway.test${url}`, { headers: { authorization: `Bearer ${token}` } })
  // One line per refused request, as on the webhook routes: a token out of its time bounds is a replay attempt.
  const failures = () => g.logs.filter((l) => (l['event'] === 'auth_failure' || l['event'] === 'replay_attempt') && l['route'] === 'batch')

  it('accepts a JWT from the JWKS for the upload (202) and the job (200), and logs its sub with the job', async () => {
    await setup(jwtSettings())
    const token = await es.sign(claims, nowSec())
    const res = await upload(csv(), { token })
    expect(res.status).toBe(202)
    const { job_id, status_url } = (await res.json()) as { job_id: string; status_url: string }
    await runner.idle()
    const job = await getJob(status_url, token)
    expect(job.status).toBe(200)
    expect(await job.json()).toMatchObject({ id: job_id, state: 'succeeded', stats: { published: 3 } })
    expect(g.logs.find((l) => l['event'] === 'batch_upload')).toMatchObject({
      job_id,
      provider: 'acme',
      auth: 'jwt',
      sub: 'settlement-loader',
    })
  })

  it('accepts a JWT verified against a PEM public key', async () => {
    await setup(jwtSettings({ GENERIC_JWKS_URL: '', GENERIC_JWT_PUBLIC_KEY: rs.pem }))
    expect((await upload(csv(), { token: await rs.sign(claims, nowSec()) })).status).toBe(202)
  })

  it('still accepts the admin token when JWTs are configured', async () => {
    await setup(jwtSettings())
    expect((await upload(csv())).status).toBe(202)
    expect(g.logs.find((l) => l['event'] === 'batch_upload')).toMatchObject({ auth: 'admin_token' })
  })

  it('refuses wrong key, issuer, audience, an expired or too old token, alg none and garbage (401, nothing published)', async () => {
    await setup(jwtSettings())
    const t = nowSec()
    const stranger = await createIssuer('ES256', 'es-1') // same kid, another key
    const refused: Record<string, string> = {
      'wrong key': await stranger.sign(claims, t),
      'wrong issuer': await es.sign({ ...claims, iss: 'https://evil.example' }, t),
      'wrong audience': await es.sign({ ...claims, aud: 'billing' }, t),
      'the webhook audience': await es.sign({ ...claims, aud: webhookAudience }, t),
      expired: await es.sign({ ...claims, exp: t - 1 }, t - 60),
      'iat older than 300 s': await es.sign(claims, t - 301),
      'iat in the future': await es.sign(claims, t + 120),
      'alg none': new UnsecuredJWT(claims).setIssuedAt(t).encode(),
      'HS256 with the public key': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(t)
        .sign(new TextEncoder().encode(rs.pem)),
      'bound to the file': await es.sign({ ...claims, body_sha256: (await bodySha256(csv())).hex }, t),
      'bound to an empty body': await es.sign({ ...claims, body_sha256: (await bodySha256('')).hex }, t),
      garbage: 'not.a.jwt',
    }
    for (const [name, token] of Object.entries(refused)) {
      const res = await upload(csv(), { token })
      expect(res.status, name).toBe(401)
      expect(res.headers.get('content-type'), name).toBe('application/problem+json')
      // The answer says nothing about which check failed; the log does.
      expect(await res.json(), name).toMatchObject({ code: 'unauthorized', detail: 'The request could not be authenticated.' })
    }
    const f = failures()
    expect(f).toHaveLength(Object.keys(refused).length)
    expect(f.filter((l) => l['reason'] === 'stale_timestamp')).toHaveLength(2)
    expect(f.filter((l) => l['reason'] === 'future_timestamp')).toHaveLength(1)
    expect(f.filter((l) => l['reason'] === 'stale_timestamp').every((l) => l['event'] === 'replay_attempt')).toBe(true)
    expect(String(f[3]?.['detail'])).toContain('aud')
    // Logged once each, by the error handler, with who sent the request.
    expect(g.logs.filter((l) => l['event'] === 'auth_failure' || l['event'] === 'replay_attempt')).toHaveLength(f.length)
    expect(f[0]).toHaveProperty('request_id')
    await runner.idle()
    expect(h.publisher.records).toHaveLength(0)
  })

  it('refuses a JWT on GET of a job too', async () => {
    await setup(jwtSettings())
    const res = await upload(csv())
    const { status_url } = (await res.json()) as { status_url: string }
    const wrong = await es.sign({ ...claims, aud: webhookAudience }, nowSec())
    expect((await getJob(status_url, wrong)).status).toBe(401)
    expect((await getJob(status_url, await es.sign(claims, nowSec()))).status).toBe(200)
  })

  it('does not take the generic webhook audience when TXGATE_BATCH_JWT_AUDIENCE is unset', async () => {
    const { TXGATE_BATCH_JWT_AUDIENCE: _, ...settings } = jwtSettings()
    await setup(settings)
    const token = await es.sign({ ...claims, aud: webhookAudience }, nowSec())
    expect((await upload(csv(), { token })).status).toBe(401)
    expect(failures()[0]).toMatchObject({ reason: 'bad_token' })
  })

  it('opens the routes with JWT settings alone; incomplete JWT settings leave only the admin token, with a warning', async () => {
    const { TXGATE_ADMIN_TOKEN: _, ...jwtOnly } = jwtSettings()
    await setup(jwtOnly)
    expect((await upload(csv(), { token: await es.sign(claims, nowSec()) })).status).toBe(202)
    expect((await upload(csv(), { token: TOKEN })).status).toBe(401)

    g = createTestGateway(
      { TXGATE_ADMIN_TOKEN: TOKEN, TXGATE_BATCH_JWT_AUDIENCE: audience, GENERIC_JWKS_URL: jwks.url },
      { deps: { batch: runner } },
    )
    expect((await upload(csv(), { token: await es.sign(claims, nowSec()) })).status).toBe(401)
    expect((await upload(csv())).status).toBe(202)
    expect(g.logs.find((l) => l['event'] === 'batch_auth_config')?.['msg']).toMatch(
      /batch JWTs need .*GENERIC_JWT_ISSUER.*JWTs are refused/,
    )
  })
})
