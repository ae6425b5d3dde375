/**
 * Without TXGATE_ADMIN_TOKEN, /metrics and the dashboard answer clients on this host only (a
 * local Prometheus, the bench); another host gets 403 unless TXGATE_ADMIN_OPEN=true.
 */
import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'
import { startRuntime, unavailable, type RuntimeProcess } from '../runtime/runtime-process.ts'

const ROUTES = ['/metrics', '/dashboard', '/dashboard/data']
const TOKEN = 'adm-default-test-4e1f'

describe('observability: admin routes without a token', () => {
  it('let loopback clients in, refuse others with 403 admin_loopback_only, and log the refusal', async () => {
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const g = createTestGateway({}, { deps: { clientIp: () => ip } })
      for (const path of ROUTES) expect((await g.app.request(path)).status).toBe(200)
    }
    const remote = createTestGateway({}, { deps: { clientIp: () => '203.0.113.9' } })
    for (const path of ROUTES) {
      const res = await remote.app.request(path)
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ status: 403, type: expect.stringMatching(/admin_loopback_only/) })
    }
    expect(remote.logs.filter((l) => l['event'] === 'admin_remote_refused')).toHaveLength(3)
    // The webhook and health routes are not admin routes.
    expect((await remote.app.request('/health')).status).toBe(200)
  })

  it('TXGATE_ADMIN_OPEN=true opens them to every client; a token, once set, is required from loopback too', async () => {
    const open = createTestGateway({ TXGATE_ADMIN_OPEN: 'true' }, { deps: { clientIp: () => '203.0.113.9' } })
    for (const path of ROUTES) expect((await open.app.request(path)).status).toBe(200)
    const guarded = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN }, { deps: { clientIp: () => '127.0.0.1' } })
    expect((await guarded.app.request('/metrics')).status).toBe(401)
    expect((await guarded.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
  })
})

// Each server runtime's entry reads the socket's peer: this host's own non-loopback address is "another host".
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

for (const runtime of ['node', 'bun', 'deno'] as const) {
  const skip = external === undefined ? 'this host has no non-loopback IPv4 address' : unavailable(runtime)
  describe.skipIf(skip !== undefined)(`observability: the ${runtime} gateway judges the socket peer`, { timeout: 120_000 }, () => {
    let gw: RuntimeProcess | undefined
    afterEach(async () => {
      await gw?.stop()
      gw = undefined
    })

    it(`answers /metrics on 127.0.0.1 and refuses it on ${external ?? 'a non-loopback address'}`, async () => {
      gw = await startRuntime(runtime, { HOST: '0.0.0.0' })
      const port = new URL(gw.url).port
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200)
      const res = await fetch(`http://${external}:${port}/metrics`)
      expect(res.status).toBe(403)
      expect(await res.text()).not.toContain('txgate_requests_total')
      expect((await fetch(`http://${external}:${port}/health`)).status).toBe(200)
    })
  })
}
