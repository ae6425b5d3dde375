import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readXml } from '../../providers/braintree.data.ts'
import braintree from '../../providers/braintree.ts'
import { compileMapping } from '../../src/batch/record.ts'
import { createTestGateway } from '../helpers/app.ts'
import braintreeCase, { body, form, gatewayFor, sign } from './cases/braintree.ts'

// The table cases are in cases/braintree.ts; here, what only Braintree's form-borne signature and
// its XML payload have: a missing bt_signature, several key pairs in one bt_signature, notifications
// exactly as the SDK's sampleNotification builds them, and XML the reader refuses.

const { current, previous } = braintreeCase.secrets
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const gateway = (keys = current) => createTestGateway({ BRAINTREE_API_KEYS: keys })
const problemCode = async (res: Response) => ((await res.json()) as { code: string }).code

describe('provider: braintree (special cases)', () => {
  it('refuses a notification without bt_signature: 401 missing_header, nothing published', async () => {
    const g = gateway()
    const { bt_payload } = Object.fromEntries(new URLSearchParams(sign(body, { secret: current, at: 0 }).body))
    const res = await g.post('braintree', form({ bt_payload: bt_payload ?? '' }), FORM)
    expect(res.status).toBe(401)
    expect(await problemCode(res)).toBe('unauthorized')
    expect(g.logs.some((l) => l['event'] === 'auth_failure' && l['reason'] === 'missing_header')).toBe(true)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('verifies the pair for its own public key when bt_signature carries one pair per key', async () => {
    const bt_payload = `${Buffer.from(body).toString('base64')}\n`
    const pairs = [previous, current].map((k) => gatewayFor(k).webhookTesting.sampleSignature(bt_payload)).join('&')
    for (const keys of [current, previous]) {
      const g = gateway(keys)
      expect((await g.post('braintree', form({ bt_signature: pairs, bt_payload }), FORM)).status).toBe(200)
    }
    // A key pair that is not among them verifies nothing.
    const other = gateway('third_public_key:third_private_key')
    expect((await other.post('braintree', form({ bt_signature: pairs, bt_payload }), FORM)).status).toBe(401)
  })

  it("accepts the SDK's own sampleNotification verbatim and maps it", async () => {
    const g = gateway()
    const note = gatewayFor(current).webhookTesting.sampleNotification('transaction_settlement_declined', 'txn_sdk_42')
    const res = await g.post('braintree', form(note), FORM)
    expect(res.status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({
      provider: 'braintree',
      transaction_id: 'txn_sdk_42',
      event_type: 'transaction_settlement_declined',
      status: 'settlement_declined',
      amount: 10000,
      currency: 'USD',
    })
  })

  it("answers the Control Panel's check notification 200 ignored", async () => {
    const g = gateway()
    const res = await g.post('braintree', form(gatewayFor(current).webhookTesting.sampleNotification('check', '')), FORM)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ignored: true })
  })

  it('sends a subscription charge whose transaction names no currency to the DLQ with the reason', async () => {
    // The SDK's sample subscription charge lists its transaction without currency-iso-code.
    const g = gateway()
    const note = gatewayFor(current).webhookTesting.sampleNotification('subscription_charged_successfully', 'sub_1')
    expect((await g.post('braintree', form(note), FORM)).status).toBe(200)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.dlq')
    expect(String((record?.value as { reason?: unknown }).reason)).toMatch(/currency-iso-code/)
  })

  it("keys a subscription charge by its transaction: next month's charge of the same subscription is not a duplicate", async () => {
    const g = gateway()
    const charge = (txn: string, at: string) => `<notification>
  <timestamp type="datetime">${at}</timestamp>
  <kind>subscription_charged_successfully</kind>
  <subject><subscription>
    <id>sub_monthly</id>
    <transactions type="array">
      <transaction><id>${txn}</id><status>submitted_for_settlement</status><type>sale</type><amount>49.99</amount><currency-iso-code>EUR</currency-iso-code><payment-instrument-type>paypal_account</payment-instrument-type><customer><id>cust_7</id></customer></transaction>
    </transactions>
  </subscription></subject>
</notification>`
    for (const [txn, at] of [['txn_nov', '2026-11-01T00:00:00Z'], ['txn_dec', '2026-12-01T00:00:00Z'], ['txn_dec', '2026-12-01T00:00:00Z']]) {
      expect((await g.post('braintree', sign(charge(txn ?? '', at ?? ''), { secret: current, at: 0 }).body, FORM)).status).toBe(200)
    }
    expect(g.publisher.records.map((r) => r.value)).toMatchObject([
      { transaction_id: 'txn_nov', amount: 4999, currency: 'EUR', payment_method: 'paypal', customer_id: 'cust_7' },
      { transaction_id: 'txn_dec', idempotency_key: 'subscription_charged_successfully:txn_dec' },
    ])
  })

  it('reads entities, and refuses a DOCTYPE (no entity expansion) and unbalanced XML with 400', async () => {
    const g = gateway()
    const amp = body.replace('<account-holder-name>Dan Schulman', '<account-holder-name>Dan &amp; Co &#233;')
    expect((await g.post('braintree', sign(amp, { secret: current, at: 0 }).body, FORM)).status).toBe(200)
    const doctype = `<!DOCTYPE notification [<!ENTITY x "y">]>\n${body}`
    for (const xml of [doctype, body.replace('</subject>', '')]) {
      const res = await g.post('braintree', sign(xml, { secret: current, at: 0 }).body, FORM)
      expect(res.status).toBe(400)
    }
    expect(g.publisher.records).toHaveLength(1)
  })

  it('reads a Transaction Search export row with the mapping in providers/braintree.ts', () => {
    if (!braintree.batch) throw new Error('braintree has no batch mapping')
    const map = compileMapping(braintree.batch, { provider: 'braintree', tenantId: null, traceId: '0'.repeat(32), ingestedAt: 0 })
    const r = map({
      'Transaction ID': 'kx1v2b3n',
      'Transaction Type': 'sale',
      'Transaction Status': 'settled',
      'Created Datetime': '08/12/2019 15:26:39',
      'Created Timezone': 'UTC',
      'Currency ISO Code': 'JPY',
      'Amount Authorized': '1500.00',
      'Amount Submitted For Settlement': '1500.00',
      'Payment Instrument Type': 'credit_card',
      'Customer ID': '',
    })
    expect(r.ok && r.message).toMatchObject({
      transaction_id: 'kx1v2b3n',
      timestamp: '2019-08-12T15:26:39.000Z',
      amount: 1500,
      currency: 'JPY',
      status: 'settled',
      event_type: 'sale',
    })
  })

  describe('endpoint verification: GET ?bt_challenge=', () => {
    const get = (g: ReturnType<typeof gateway>, path: string) => g.app.request(`http://gateway.test/webhooks/v1/${path}`)
    const challenge = '38a5fc0e3b8b27c4ad6ba35c2f4cbd7e'

    it("answers exactly what the SDK's webhookNotification.verify answers, and publishes nothing", async () => {
      const g = gateway()
      const res = await get(g, `braintree/events?bt_challenge=${challenge}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(gatewayFor(current).webhookNotification.verify(challenge))
      expect(g.publisher.records).toHaveLength(0)
    })

    it("answers with the first configured key pair, and on a tenant route with that tenant's own", async () => {
      const g = createTestGateway({ BRAINTREE_API_KEYS: `${current},${previous}`, BRAINTREE_API_KEYS__ACME: previous })
      expect(await (await get(g, `braintree/events?bt_challenge=${challenge}`)).text()).toBe(gatewayFor(current).webhookNotification.verify(challenge))
      expect(await (await get(g, `braintree/events/acme?bt_challenge=${challenge}`)).text()).toBe(gatewayFor(previous).webhookNotification.verify(challenge))
      expect((await get(g, `braintree/events/other?bt_challenge=${challenge}`)).status).toBe(404)
    })

    it('refuses a challenge the SDK refuses (not 20-32 lower-case hex) with 400', async () => {
      const g = gateway()
      for (const bad of ['not-hex-at-all-0123456789', 'ABCDEF0123456789ABCDEF', 'abc', 'a'.repeat(33)]) {
        expect(() => gatewayFor(current).webhookNotification.verify(bad), bad).toThrow()
        const res = await get(g, `braintree/events?bt_challenge=${encodeURIComponent(bad)}`)
        expect(res.status, bad).toBe(400)
        expect(await problemCode(res)).toBe('bad_request')
      }
    })

    it('leaves every other GET a 405, and an unconfigured Braintree a 404', async () => {
      const g = gateway()
      expect((await get(g, 'braintree/events')).status).toBe(405)
      expect((await get(g, `stripe/events?bt_challenge=${challenge}`)).status).toBe(405)
      expect((await get(createTestGateway({}), `braintree/events?bt_challenge=${challenge}`)).status).toBe(404)
    })
  })

  it('the XML reader never throws on any text, and refuses nesting deeper than 64 elements', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '/', 'a', ' ', '=', '"', '&', ';', '#', 'x', '?', '!') }), (text) => {
        const read = readXml(text)
        expect(read === undefined || typeof read === 'object').toBe(true)
      }),
      { numRuns: 2000 },
    )
    expect(readXml(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`)).toBeDefined()
    expect(readXml(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`)).toBeUndefined()
    expect(readXml('<a><__proto__><polluted>yes</polluted></__proto__></a>')).toEqual({ a: { ['__proto__']: { polluted: 'yes' } } })
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})
