/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): it loads with no
 * console error, and a provider's counts change after events are sent. Screenshot: test-artifacts/.
 */
import { serve, type ServerType } from '@hono/node-server'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createActivity } from '../../src/observability/activity.ts'
import { createBatchJobReporter } from '../../src/observability/batch-job.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createTestGateway, fixture, type TestGateway } from '../helpers/app.ts'

const CHROMIUM = '/usr/bin/chromium'
const SECRET = 'whsec_dashboard_test'
const TOKEN = 'dashboard-admin-token-1234'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium)
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (apt-get install chromium)`)

describe.skipIf(!haveChromium)('observability: the dashboard in headless Chromium', () => {
  let browser: Browser
  let server: ServerType
  let url: string
  let g: TestGateway
  const metrics = createMetrics()
  const activity = createActivity(Date.now)
  const body = (id: string, currency = 'usd') =>
    fixture('stripe.json').then((b) =>
      b.replace(/"id": "evt_[^"]+"/, `"id": "${id}"`).replace('"usd"', `"${currency}"`),
    )
  const send = async (payload: string, secret = SECRET) => {
    const at = Math.floor(g.clock.now / 1000)
    const sig = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: at })
    return g.post('stripe', payload, { 'stripe-signature': sig })
  }

  beforeAll(async () => {
    g = createTestGateway(
      { STRIPE_WEBHOOK_SECRET: SECRET, TXGATE_ADMIN_TOKEN: TOKEN },
      { deps: { metrics, activity } },
    )
    server = serve({ fetch: g.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('loads without console errors and shows the counts move as events arrive', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'operator', password: TOKEN },
      viewport: { width: 1440, height: 1000 },
    })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
    page.on('pageerror', (e) => errors.push(e.message))

    await page.goto(`${url}/dashboard?interval=250&window=60000`)
    await page.waitForSelector('body[data-state="live"]')
    expect(await page.locator('tr[data-provider="stripe"]').count()).toBe(0)

    expect((await send(await body('evt_dash_1'))).status).toBe(200)
    const accepted = page.locator('tr[data-provider="stripe"] td[data-col="accepted"]')
    await expect.poll(() => accepted.textContent(), { timeout: 10_000 }).toBe('1')

    for (const id of ['evt_dash_2', 'evt_dash_3'])
      expect((await send(await body(id))).status).toBe(200)
    expect((await send(await body('evt_dash_2'))).status).toBe(200) // a duplicate
    expect((await send(await body('evt_dash_4'), 'whsec_wrong')).status).toBe(401)
    expect((await send(await body('evt_dash_5', 'zzz'))).status).toBe(200) // DLQ: unknown currency
    const report = createBatchJobReporter(metrics, activity)
    const job = {
      id: 'job-1',
      source: 'upload',
      name: 'settlements-2026-11-21.csv',
      state: 'running',
      totalBytes: 1000,
    }
    report({ ...job, bytesRead: 400, read: 120, published: 118, dlq: 2 })

    const row = (col: string) =>
      page.locator(`tr[data-provider="stripe"] td[data-col="${col}"]`).textContent()
    await expect.poll(() => row('accepted'), { timeout: 10_000 }).toBe('3')
    expect(await row('duplicate')).toBe('1')
    expect(await row('unauthorized')).toBe('1')
    expect(await row('dlq')).toBe('1')
    expect(await row('total')).toBe('6')
    await expect
      .poll(() => page.locator('#dlq-body td[data-col="reason"]').first().textContent())
      .toMatch(/currency/)
    expect(
      await page
        .locator('#auth-body tr[data-reason="bad_signature"] td[data-col="total"]')
        .textContent(),
    ).toBe('1')
    expect(await page.locator('tr[data-job="job-1"] td[data-col="published"]').textContent()).toBe(
      '118',
    )
    expect(
      await page
        .locator('#stages-body tr[data-stage="publish"] td[data-col="calls"]')
        .textContent(),
    ).toBe('4') // 3 accepted + 1 DLQ
    expect(await row('p95')).toMatch(/ms$/)

    await mkdir('test-artifacts', { recursive: true })
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true })
    expect(errors).toEqual([])
    await context.close()
  })

  it('challenges a browser without the admin token for credentials (Basic), showing nothing', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    // Headless Chromium cannot prompt, so it gives up on the Basic challenge.
    await expect(page.goto(`${url}/dashboard`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/)
    await context.close()
  })
})
