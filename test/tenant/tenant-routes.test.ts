/**
 * What the conformance table does not cover per provider: limits, metrics, malformed tenant ids,
 * the secrets file end to end, and tenants against a real Redis.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildServerDeps } from '../../src/runtime/server/deps.ts'
import { createApp } from '../../src/app.ts'
import { openRedisStore } from '../../src/runtime/server/redis-store.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import { deleteKeys, uniquePrefix } from '../helpers/redis-server.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { body, current, previous, sign } from '../providers/cases/stripe.ts'

const ACME = 'whsec_acme_0123456789'
const GLOBEX = 'whsec_globex_0123456789'
const base = { STRIPE_WEBHOOK_SECRET: current, STRIPE_WEBHOOK_SECRET__ACME: ACME, STRIPE_WEBHOOK_SECRET__GLOBEX: GLOBEX }
const at = (g: TestGateway) => Math.floor(g.clock.now / 1000)
const event = (id: string) => body.replace('"evt_1MoS6tLgUG5tbmjchDsX6fiT"', `"${id}"`)
const post = (g: TestGateway, tenant: string, secret: string, payload = body) => {
  const signed = sign(payload, { secret, at: at(g) })
  return g.postTenant('stripe', tenant, signed.body, signed.headers)
}

describe('tenant routes', () => {
  it('gives each tenant its own rate-limit bucket, with TXGATE_RATE_LIMIT_<ID>__<TENANT> overriding the limit', async () => {
    const g = createTestGateway({ ...base, TXGATE_RATE_LIMIT_STRIPE: '100/s,burst=3', TXGATE_RATE_LIMIT_STRIPE__ACME: '1/m,burst=1' })
    expect((await post(g, 'acme', ACME, event('evt_a1'))).status).toBe(200)
    const limited = await post(g, 'acme', ACME, event('evt_a2'))
    expect(limited.status).toBe(429)
    expect(limited.headers.get('ratelimit-limit')).toBe('1')
    // globex and the default route still have their own (the provider's) buckets.
    for (const id of ['evt_g1', 'evt_g2', 'evt_g3']) expect((await post(g, 'globex', GLOBEX, event(id))).status).toBe(200)
    expect((await post(g, 'globex', GLOBEX, event('evt_g4'))).status).toBe(429)
    const signed = sign(event('evt_d1'), { secret: current, at: at(g) })
    expect((await g.post('stripe', signed.body, signed.headers)).status).toBe(200)
  })

  it('answers 404 unknown_tenant for malformed tenant segments, and 404 unknown_provider before it', async () => {
    const g = createTestGateway(base)
    for (const tenant of ['ACME', 'acme-eu', 'a%3Ab', '_x', 'x'.repeat(65)]) {
      const res = await post(g, tenant, ACME)
      expect(res.status, tenant).toBe(404)
      expect(((await res.json()) as { code: string }).code).toBe('unknown_tenant')
    }
    const res = await g.postTenant('nope', 'acme', body)
    expect(((await res.json()) as { code: string }).code).toBe('unknown_provider')
  })

  it('serves a tenant whose provider has no default secret', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET__ACME: ACME })
    expect((await post(g, 'acme', ACME)).status).toBe(200)
    const signed = sign(body, { secret: ACME, at: at(g) })
    expect((await g.post('stripe', signed.body, signed.headers)).status).toBe(404)
  })

  it('accepts both secrets of a tenant during its rotation, and only them', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET__ACME: `${previous},${ACME}` })
    expect((await post(g, 'acme', previous, event('evt_r1'))).status).toBe(200)
    expect((await post(g, 'acme', ACME, event('evt_r2'))).status).toBe(200)
    expect((await post(g, 'acme', GLOBEX, event('evt_r3'))).status).toBe(401)
  })

  it('names at most TXGATE_METRICS_TENANTS_MAX tenants in txgate_tenant_requests_total, the rest as other, never an unknown one', async () => {
    const g = createTestGateway({ ...base, STRIPE_WEBHOOK_SECRET__INITECH: 'whsec_i', TXGATE_METRICS_TENANTS_MAX: '1' })
    await post(g, 'acme', ACME)
    await post(g, 'globex', GLOBEX)
    await post(g, 'initech', current) // a wrong secret: counted as unauthorized, under other
    await post(g, 'madeup', ACME) // no such tenant: not a label
    const text = await (await g.app.request('http://gateway.test/metrics')).text()
    const lines = text.split('\n').filter((l) => l.startsWith('txgate_tenant_requests_total'))
    expect(lines.sort()).toEqual([
      'txgate_tenant_requests_total{tenant="acme",outcome="accepted"} 1',
      'txgate_tenant_requests_total{tenant="other",outcome="accepted"} 1',
      'txgate_tenant_requests_total{tenant="other",outcome="unauthorized"} 1',
    ])
    expect(text).not.toContain('madeup')
  })

  it('puts the tenant on the security log line of a refused request', async () => {
    const g = createTestGateway(base)
    await post(g, 'acme', GLOBEX)
    expect(g.logs.find((l) => l['event'] === 'auth_failure')).toMatchObject({ tenant: 'acme', provider: 'stripe' })
  })

  it('reads tenants from TXGATE_SECRETS_FILE in a server gateway, and refuses a broken file at start', async () => {
    const dir = await tempDir('tenant-secrets')
    const file = join(dir, 'secrets.yaml')
    await writeFile(file, `tenants:\n  acme:\n    STRIPE_WEBHOOK_SECRET: ${ACME}\n`)
    const deps = await buildServerDeps({ TXGATE_SECRETS_FILE: file, TXGATE_SPOOL_DIR: join(dir, 'spool'), LOG_LEVEL: 'silent' })
    try {
      const app = createApp(deps)
      const t = Math.floor(Date.now() / 1000)
      const signed = sign(body, { secret: ACME, at: t })
      const res = await app.request('http://gateway.test/webhooks/v1/stripe/events/acme', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed.headers },
        body: signed.body,
      })
      expect(res.status).toBe(200)
    } finally {
      await deps.close()
    }
    await writeFile(file, 'tenants: [')
    await expect(buildServerDeps({ TXGATE_SECRETS_FILE: file, TXGATE_SPOOL_DIR: join(dir, 'spool2') })).rejects.toThrow(/TXGATE_SECRETS_FILE/)
  })
})

describe('tenant routes on a shared Redis', () => {
  const prefix = uniquePrefix('tenants')
  afterAll(() => deleteKeys(prefix))

  it('keeps duplicates and buckets per tenant in Redis: two gateways agree, tenants do not mix', async () => {
    const stores = await Promise.all([0, 1].map(() => openRedisStore({ url: 'redis://127.0.0.1:6379', prefix })))
    await Promise.all(stores.map((s) => s.connected(2000)))
    try {
      const [a, b] = stores.map((s) => createTestGateway(base, { deps: { store: s, limiter: s } }))
      if (!a || !b) throw new Error('no gateways')
      const first = await post(a, 'acme', ACME)
      expect(first.status).toBe(200)
      const again = await post(b, 'acme', ACME)
      expect(await again.json()).toMatchObject({ duplicate: true })
      expect(again.headers.get('txgate-event-id')).toBe(first.headers.get('txgate-event-id'))
      expect(await (await post(b, 'globex', GLOBEX)).json()).toMatchObject({ duplicate: false })
      expect([...a.publisher.records, ...b.publisher.records].map((r) => r.headers['tenant_id'])).toEqual(['acme', 'globex'])
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  })
})
