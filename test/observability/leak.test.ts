/**
 * Under a mixed, concurrent load against the real Node gateway — valid events, forged signatures
 * carrying card numbers in body, headers, query and path, wrong admin tokens, events sent to the DLQ — no secret,
 * signature, card number or raw body text appears in a log line, in /metrics or in a problem body.
 */
import { readFile } from 'node:fs/promises'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type GatewayProcess } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const STRIPE_SECRET = 'whsec_leakcheck_9f8e7d6c5b4a3928'
const ADMIN_TOKEN = 'admin-token-leakcheck-5c2e91'
const DLQ_TOKEN = 'dlq-token-leakcheck-77ab10'
const GUESSED_TOKEN = 'guessed-token-leakcheck-0d0d0d'
// Luhn-valid test card numbers, as digits and in the forms people type them.
const PANS = ['4111111111111111', '5500 0055 5555 5559', '4000-0566-5566-5556', '378282246310005']
const MARKER = 'RAWBODY-leakcheck-marker'
const EVENTS = 60

let gw: GatewayProcess
const problems: string[] = []
const signatures: string[] = []

const fixtureText = () => readFile(new URL('../../../shared/fixtures/provider-events/stripe.json', import.meta.url), 'utf8')

beforeAll(async () => {
  const dir = await tempDir('leak')
  gw = await startGateway([process.execPath, 'bin/serve.js'], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    TXGATE_SPOOL_DIR: `${dir}/spool`,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    TXGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    TXGATE_DLQ_ADMIN_TOKEN: DLQ_TOKEN,
  }, { timeoutMs: 60_000 })
  const base = JSON.parse(await fixtureText()) as { id: string; data: { object: Record<string, unknown> } }
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    const text = await res.text()
    if (res.status >= 400) problems.push(text)
    return res.status
  }
  const statuses: number[] = []
  // Eight senders at once: the load runs concurrently, as providers deliver.
  let nextEvent = 0
  const sender = async () => {
    for (let i = nextEvent++; i < EVENTS; i = nextEvent++) await sendOne(i)
  }
  const sendOne = async (i: number) => {
    const pan = PANS[i % PANS.length] as string
    const ev = structuredClone(base)
    ev.id = `evt_leak_${i}`
    ev.data.object['description'] = `${MARKER} card ${pan}`
    ev.data.object['metadata'] = { card_number: pan, note: `pan ${pan}` }
    // Every fifth event has a currency no ISO table knows: it goes to the DLQ with its reason.
    // One in ten has a card number there instead, which the DLQ reason then quotes.
    if (i % 5 === 4) ev.data.object['currency'] = i % 10 === 4 ? pan : 'zzz'
    const payload = JSON.stringify(ev)
    const good = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET })
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_attacker_guess_000000' })
    signatures.push(good.split('v1=')[1] ?? '', forged.split('v1=')[1] ?? '')
    const extra = { 'x-card-number': pan, 'x-note': `customer card ${pan}`, authorization: `Bearer ${GUESSED_TOKEN}`, cookie: `session=${pan}` }
    statuses.push(await post('/webhooks/v1/stripe/events', payload, { 'stripe-signature': good }))
    statuses.push(await post(`/webhooks/v1/stripe/events?card=${pan.replace(/\D/g, '')}`, payload, { 'stripe-signature': forged, ...extra }))
    statuses.push(await post('/webhooks/v1/stripe/events', `{"broken": "${MARKER} ${pan}"`, { 'stripe-signature': good, ...extra }))
    statuses.push(await post('/webhooks/v1/nope/events', payload, extra))
    // A card number where the path names the provider or the tenant: the 404's detail quotes the path.
    const digits = pan.replace(/\D/g, '')
    statuses.push(await post(`/webhooks/v1/${digits}/events`, payload, extra))
    statuses.push(await post(`/webhooks/v1/stripe/events/${encodeURIComponent(pan)}`, payload, { 'stripe-signature': good }))
  }
  await Promise.all(Array.from({ length: 8 }, sender))
  for (const auth of [`Bearer ${GUESSED_TOKEN}`, `Basic ${Buffer.from(`ops:${GUESSED_TOKEN}`).toString('base64')}`]) {
    statuses.push((await fetch(`${gw.url}/metrics`, { headers: { authorization: auth } })).status)
    statuses.push((await fetch(`${gw.url}/admin/dlq`, { headers: { authorization: auth } })).status)
  }
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(60)
  expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(60)
}, 180_000)

afterAll(async () => {
  await gw?.stop()
})

/** Every form of every sensitive value the load carried. */
function needles(): string[] {
  const pans = PANS.flatMap((p) => [p, p.replace(/\D/g, ''), encodeURIComponent(p)])
  return [...new Set([STRIPE_SECRET, ADMIN_TOKEN, DLQ_TOKEN, GUESSED_TOKEN, MARKER, ...pans, ...signatures.filter((s) => s.length > 0)])]
}

const found = (text: string) => needles().filter((n) => text.includes(n))

describe('observability: nothing sensitive leaks under load', { timeout: 60_000 }, () => {
  it('no log line holds a secret, token, signature, card number or raw body text', () => {
    const logs = gw.output()
    expect(logs).toMatch(/security: /) // the forged requests were logged, as security events
    expect(found(logs)).toEqual([])
  })

  it('/metrics (with the admin token) holds none of them, in names, labels or values', async () => {
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/txgate_/)
    expect(found(text)).toEqual([])
  })

  it('the dashboard data (recent DLQ reasons) holds none of them', async () => {
    const res = await fetch(`${gw.url}/dashboard/data`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/currency/)
    expect(found(text)).toEqual([])
  })

  it('no problem body echoes them', () => {
    expect(problems.length).toBeGreaterThan(200)
    expect(found(problems.join('\n'))).toEqual([])
  })

  it('the DLQ listing shows reasons, not the raw event', async () => {
    const res = await fetch(`${gw.url}/admin/dlq`, { headers: { authorization: `Bearer ${DLQ_TOKEN}` } })
    const body = (await res.json()) as { count: number }
    expect(body.count).toBe(12)
    expect(found(JSON.stringify(body))).toEqual([])
  })
})
