/**
 * The dashboard's pull-source table in a real browser (Debian's chromium through playwright-core):
 * each source's breaker state from txgate_source_state, with its runs, skips, failures and bytes.
 */
import { serve, type ServerType } from '@hono/node-server'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'

const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'dashboard-admin-token-5678'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const STATES = ['closed', 'open', 'half_open', 'terminal'] as const

describe.skipIf(!existsSync(CHROMIUM))('observability: pull sources on the dashboard', () => {
  let browser: Browser
  let server: ServerType
  let url: string
  let g: TestGateway
  const metrics = createMetrics()
  // What source-metrics.ts sets: every state's series, 1 for the current one.
  const setState = (source: string, current: (typeof STATES)[number]) => {
    for (const state of STATES) metrics.gauge('txgate_source_state', { source, state }, state === current ? 1 : 0)
  }

  beforeAll(async () => {
    g = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN }, { deps: { metrics } })
    server = serve({ fetch: g.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('shows each source with its state, and the state changing as the breaker moves', async () => {
    setState('mahak', 'closed')
    setState('bank-drops', 'terminal')
    metrics.count('txgate_source_runs_total', { source: 'bank-drops', outcome: 'failed' })
    metrics.count('txgate_source_runs_total', { source: 'bank-drops', outcome: 'skipped' }, 4)
    metrics.count('txgate_source_failures_total', { source: 'bank-drops' })
    metrics.count('txgate_source_runs_total', { source: 'mahak', outcome: 'done' }, 2)
    metrics.count('txgate_source_rows_total', { source: 'mahak' }, 150)
    metrics.count('txgate_source_bytes_total', { source: 'mahak' }, 2048)
    const context = await browser.newContext({ httpCredentials: { username: 'operator', password: TOKEN } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${url}/dashboard?interval=250`)
    await page.waitForSelector('body[data-state="live"]')
    const cell = (source: string, col: string) => page.locator(`#sources-body tr[data-source="${source}"] td[data-col="${col}"]`)
    await expect.poll(() => cell('bank-drops', 'state').textContent(), { timeout: 10_000 }).toBe('terminal')
    expect(await cell('bank-drops', 'state').getAttribute('class')).toMatch(/st-terminal/)
    expect(await cell('bank-drops', 'runs').textContent()).toBe('5')
    expect(await cell('bank-drops', 'skipped').textContent()).toBe('4')
    expect(await cell('bank-drops', 'failures').textContent()).toBe('1')
    expect(await cell('mahak', 'state').textContent()).toBe('closed')
    expect(await cell('mahak', 'rows').textContent()).toBe('150')
    expect(await cell('mahak', 'bytes').textContent()).toBe('2.0 KiB')
    setState('mahak', 'open')
    await expect.poll(() => cell('mahak', 'state').textContent(), { timeout: 10_000 }).toBe('open')
    expect(errors).toEqual([])
    await context.close()
  })
})
