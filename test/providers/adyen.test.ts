import { hmacValidator } from '@adyen/api-library'
import { describe, expect, it } from 'vitest'
import adyen from '../../providers/adyen.ts'
import { createTestGateway } from '../helpers/app.ts'
import { authorization, body, credentials, current, previous, signItems, wrong, type Notification } from './cases/adyen.ts'

// The table cases (valid, tampers, rotation, duplicate, ignored, DLQ) are in cases/adyen.ts.
const validator = new hmacValidator()

/** A notification holding the fixture's item once per override, each signed with `key`. */
function notification(key: string, ...overrides: Record<string, unknown>[]): string {
  const base = JSON.parse(body) as Notification
  const [first] = base.notificationItems
  const items = overrides.map((o) => ({
    NotificationRequestItem: { ...first?.NotificationRequestItem, ...o },
  }))
  return signItems(JSON.stringify({ ...base, notificationItems: items }), key)
}

const hmacOnly = () => createTestGateway({ ADYEN_HMAC_KEY: current })
const withBasic = () =>
  createTestGateway({ ADYEN_HMAC_KEY: current, ADYEN_BASIC_AUTH: credentials })

describe('provider: adyen (special cases)', () => {
  it("computes Adyen's published HMAC test vector with the SDK and with our verifier's signed string", async () => {
    const item = {
      pspReference: 'pspReference',
      originalReference: 'originalReference',
      merchantAccountCode: 'merchantAccount',
      merchantReference: 'reference',
      amount: { value: 1000, currency: 'EUR' },
      eventCode: 'CAPTURE',
      success: 'true',
      eventDate: '2026-11-22T12:00:00+01:00',
    }
    const kat = 'xhpHvYq2u2Np0rstbZ6QjLGu7JWhvf7Iwaa6EviJSX0='
    expect(validator.calculateHmac(item as never, previous)).toBe(kat)
    // The same item carried with the KAT signature is accepted with that key.
    const g = createTestGateway({ ADYEN_HMAC_KEY: previous })
    const payload = JSON.stringify({
      live: 'false',
      notificationItems: [
        { NotificationRequestItem: { ...item, additionalData: { hmacSignature: kat } } },
      ],
    })
    const res = await g.post('adyen', payload)
    expect(res.status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({
      event_type: 'CAPTURE',
      transaction_id: 'originalReference',
      idempotency_key: 'pspReference:CAPTURE:originalReference',
      status: 'capture',
      amount: 1000,
    })
  })

  it("builds the signed string exactly as Adyen's SDK does (absent fields empty)", () => {
    const scheme = adyen.auth.schemes.find((s) => s.kind === 'item-hmac')
    if (scheme?.kind !== 'item-hmac') throw new Error('adyen has no item-hmac scheme')
    const fixtureItem = (JSON.parse(body) as Notification).notificationItems[0]
      ?.NotificationRequestItem
    const full = {
      ...fixtureItem,
      originalReference: 'ORIG1',
      merchantReference: 'ref:with:colons',
    }
    for (const item of [fixtureItem, full]) {
      expect(scheme.signedString(item)).toBe(validator.getDataToSign(item as never))
    }
    expect(scheme.signedString(fixtureItem)).toBe(
      '123456789::MagentoMerchantTest2:8313842560770001:10100:EUR:AUTHORISATION:true',
    )
  })

  it('answers [accepted] and publishes one message per item for a two-item notification', async () => {
    const g = withBasic()
    const payload = notification(
      current,
      { pspReference: 'PSP0001', merchantReference: 'order-1' },
      {
        pspReference: 'PSP0002',
        merchantReference: 'order-2',
        eventCode: 'CAPTURE',
        originalReference: 'PSP0001',
      },
    )
    const res = await g.post('adyen', payload, { authorization })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('[accepted]')
    expect(g.publisher.records.map((r) => r.key)).toEqual(['adyen:PSP0001', 'adyen:PSP0001'])
    expect(g.publisher.records.map((r) => (r.value as { event_type: string }).event_type)).toEqual([
      'AUTHORISATION',
      'CAPTURE',
    ])
    const ids = res.headers.get('txgate-event-id')?.split(',')
    expect(ids).toHaveLength(2)
    expect(g.publisher.records.map((r) => r.headers.event_id)).toEqual(ids)
  })

  it('rejects the whole notification (401, nothing published) when one of two items is badly signed', async () => {
    const g = withBasic()
    const good = JSON.parse(notification(current, { pspReference: 'PSP0001' })) as Notification
    const bad = JSON.parse(notification(wrong, { pspReference: 'PSP0002' })) as Notification
    const payload = JSON.stringify({
      ...good,
      notificationItems: [...good.notificationItems, ...bad.notificationItems],
    })
    const res = await g.post('adyen', payload, { authorization })
    expect(res.status).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
    expect(
      g.logs.some((l) => l['event'] === 'auth_failure' && String(l['detail']).includes('item 1')),
    ).toBe(true)
  })

  it('rejects an item whose embedded signature was altered, even with correct Basic credentials', async () => {
    const g = withBasic()
    const payload = notification(current, {}).replace(
      /("hmacSignature": ")(.)/,
      (_, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'),
    )
    expect((await g.post('adyen', payload, { authorization })).status).toBe(401)
    expect(g.publisher.records).toHaveLength(0)
  })

  it('rejects an item that carries no hmacSignature', async () => {
    const g = hmacOnly()
    const parsed = JSON.parse(notification(current, {})) as Notification
    for (const n of parsed.notificationItems) n.NotificationRequestItem.additionalData = {}
    expect((await g.post('adyen', JSON.stringify(parsed))).status).toBe(401)
  })

  it('rejects a non-canonical base64 spelling of a valid signature', async () => {
    const g = hmacOnly()
    const payload = notification(current, {})
    const parsed = JSON.parse(payload) as Notification
    const ad = parsed.notificationItems[0]?.NotificationRequestItem.additionalData as {
      hmacSignature: string
    }
    ad.hmacSignature = ad.hmacSignature.replace(/=$/, '') // Node's lenient base64 would still decode it
    expect((await g.post('adyen', JSON.stringify(parsed))).status).toBe(401)
  })

  it('rejects wrong and missing Basic credentials when ADYEN_BASIC_AUTH is set', async () => {
    const g = withBasic()
    const payload = notification(current, {})
    const wrongCreds = `Basic ${btoa('adyen_webhook_user:guess')}`
    expect((await g.post('adyen', payload, { authorization: wrongCreds })).status).toBe(401)
    expect((await g.post('adyen', payload)).status).toBe(401)
    expect(g.logs.filter((l) => l['event'] === 'auth_failure').map((l) => l['reason'])).toEqual([
      'bad_credentials',
      'missing_header',
    ])
    expect(g.publisher.records).toHaveLength(0)
  })

  it('accepts HMAC-only notifications when Basic auth is not configured', async () => {
    const g = hmacOnly()
    expect((await g.post('adyen', notification(current, {}))).status).toBe(200)
    expect(g.publisher.records).toHaveLength(1)
  })

  it('is not served (404) with Basic credentials but no HMAC key', async () => {
    const g = createTestGateway({ ADYEN_BASIC_AUTH: credentials })
    expect((await g.post('adyen', notification(current, {}), { authorization })).status).toBe(404)
  })

  it('accepts items signed with the old and the new key in one notification during rotation', async () => {
    const g = createTestGateway({ ADYEN_HMAC_KEY: `${previous},${current}` })
    const a = JSON.parse(notification(previous, { pspReference: 'PSP0001' })) as Notification
    const b = JSON.parse(notification(current, { pspReference: 'PSP0002' })) as Notification
    const payload = JSON.stringify({
      ...a,
      notificationItems: [...a.notificationItems, ...b.notificationItems],
    })
    expect((await g.post('adyen', payload)).status).toBe(200)
    expect(g.publisher.records).toHaveLength(2)
  })

  it('maps success "false" to a _failed status and keeps the shopper reference as customer_id', async () => {
    const g = hmacOnly()
    const payload = notification(current, {
      success: 'false',
      paymentMethod: 'paypal',
      additionalData: { shopperReference: 'shopper-42' },
    })
    expect((await g.post('adyen', payload)).status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({
      status: 'authorisation_failed',
      payment_method: 'paypal',
      customer_id: 'shopper-42',
    })
  })

  it('maps Adyen payment method names to categories (card brands, wallets), keeping others', async () => {
    const g = hmacOnly()
    const methods = ['mcdebit', 'visa_applepay', 'paywithgoogle', 'ideal', undefined]
    const payload = notification(
      current,
      ...methods.map((paymentMethod, i) => ({ pspReference: `PSP100${i}`, paymentMethod })),
    )
    expect((await g.post('adyen', payload)).status).toBe(200)
    expect(
      g.publisher.records.map((r) => (r.value as { payment_method: string }).payment_method),
    ).toEqual(['card', 'wallet', 'wallet', 'ideal', 'unknown'])
  })

  it('treats the same pspReference and eventCode as a duplicate, and a refund of it as new', async () => {
    const g = hmacOnly()
    const first = await g.post('adyen', notification(current, { pspReference: 'PSP0001' }))
    const again = await g.post('adyen', notification(current, { pspReference: 'PSP0001' }))
    expect(again.headers.get('txgate-event-id')).toBe(first.headers.get('txgate-event-id'))
    const refund = notification(current, {
      pspReference: 'PSP0009',
      eventCode: 'REFUND',
      originalReference: 'PSP0001',
    })
    expect((await g.post('adyen', refund)).status).toBe(200)
    expect(
      g.publisher.records.map((r) => (r.value as { idempotency_key: string }).idempotency_key),
    ).toEqual(['PSP0001:AUTHORISATION', 'PSP0009:REFUND:PSP0001'])
  })

  it('answers 400 for a notification without items (nothing in it is signed)', async () => {
    const g = hmacOnly()
    expect((await g.post('adyen', '{"live":"false","notificationItems":[]}')).status).toBe(400)
  })

  it('publishes the transaction item and ignores the report item of one notification', async () => {
    const g = hmacOnly()
    const payload = notification(
      current,
      { pspReference: 'PSP0001' },
      { pspReference: 'PSP0002', eventCode: 'REPORT_AVAILABLE' },
    )
    const res = await g.post('adyen', payload)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('[accepted]')
    expect(g.publisher.records).toHaveLength(1)
  })
})
