/**
 * `wrangler dev` (npm run start:workers) serves the gateway locally: the developer's loop, smoke
 * tested as a real process. The full suite runs on workerd itself (conformance-workerd.test.ts),
 * because wrangler 4.86's local proxy mishandles answers sent before a request body is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeVersion, startRuntime, unavailable, type RuntimeProcess } from './runtime-process.ts'
import { PROVIDER_SETTINGS, stripeEvent } from './signers.ts'

const reason = unavailable('wrangler')
if (reason !== undefined) console.warn(`txgate: skipping the wrangler dev smoke test: ${reason}`)

describe.skipIf(reason !== undefined)(`runtime: wrangler dev (${reason ?? runtimeVersion('wrangler')})`, () => {
  let dev: RuntimeProcess | undefined
  const url = () => dev?.url ?? ''
  beforeAll(async () => {
    dev = await startRuntime('wrangler', { ...PROVIDER_SETTINGS })
  }, 120_000)
  afterAll(() => dev?.stop(), 30_000)

  it('serves /health, and /ready 503 naming the edge settings it lacks', async () => {
    expect(await (await fetch(`${url()}/health`)).json()).toEqual({ status: 'healthy' })
    const ready = await fetch(`${url()}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.text()).toMatch(/UPSTASH_REDIS_REST_URL.*KAFKA_REST_URL/s)
  })

  it('verifies a Stripe event signed by the SDK, and refuses it (503) with no durable publisher', async () => {
    const e = stripeEvent()
    const res = await fetch(`${url()}/webhooks/v1/stripe/events`, { method: 'POST', headers: e.headers, body: e.body })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBeTruthy()
    const forged = await fetch(`${url()}/webhooks/v1/stripe/events`, {
      method: 'POST',
      headers: { ...e.headers, 'stripe-signature': 't=1,v1=00' },
      body: e.body,
    })
    expect(forged.status).toBe(401)
  })

  it('reads secrets from the env file (.dev.vars convention) and says what is missing in its log', async () => {
    // wrangler forwards workerd's log lines in its own time, one by one, under load: wait for each.
    await expect.poll(() => dev?.output() ?? '', { timeout: 20_000 }).toMatch(/provider stripe: configured/)
    await expect
      .poll(() => dev?.output() ?? '', { timeout: 20_000 })
      .toMatch(/not ready, set UPSTASH_REDIS_REST_URL/)
  }, 45_000)
})
