import { afterAll, describe, expect, it } from 'vitest'
import paypal from '../../providers/paypal.ts'
import { X509Certificate } from '../../src/auth/x509.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import type { SignedRequest } from '../helpers/provider-suite.ts'
import { createRoot, issue, pemChain } from '../helpers/test-ca.ts'
import { body, current, intermediate, leaf, server, settings, sign } from './cases/paypal.ts'

// The table cases (valid, tampers, rotation, duplicate, ignored, DLQ) are in cases/paypal.ts,
// with the test CA and the certificate server these special cases use too.
afterAll(() => server.close())

describe('provider: paypal (special cases)', () => {
  const gateway = () => createTestGateway(settings)
  const now = (g: TestGateway) => Math.floor(g.clock.now / 1000)
  const post = async (g: TestGateway, r: SignedRequest) => g.post('paypal', r.body, r.headers)
  const reasons = (g: TestGateway) =>
    g.logs.filter((l) => l['event'] === 'auth_failure').map((l) => l['reason'])

  it('never fetches a cert URL outside the allowed prefixes (401 untrusted_cert_url)', async () => {
    const g = gateway()
    server.routes.set('/elsewhere/CERT-good', pemChain(leaf, intermediate))
    const before = server.total()
    const res = await post(
      g,
      await sign(body, current, now(g), { certUrl: `${server.base}/elsewhere/CERT-good` }),
    )
    expect(res.status).toBe(401)
    expect(reasons(g)).toEqual(['untrusted_cert_url'])
    expect(server.total()).toBe(before)
  })

  it('rejects a certificate that chains to an untrusted CA', async () => {
    const g = gateway()
    const rogueRoot = await createRoot('rogue root')
    const rogueLeaf = await issue(rogueRoot, { cn: 'messageverificationcerts.paypal.com' })
    server.routes.set('/certs/CERT-rogue', pemChain(rogueLeaf, rogueRoot))
    const signed = await sign(body, current, now(g), {
      signer: rogueLeaf,
      certUrl: `${server.base}/certs/CERT-rogue`,
    })
    expect((await post(g, signed)).status).toBe(401)
    expect(reasons(g)).toEqual(['bad_certificate'])
    expect(g.publisher.records).toHaveLength(0)
  })

  it('rejects a certificate whose CN is not messageverificationcerts*.paypal.com', async () => {
    const g = gateway()
    const other = await issue(intermediate, { cn: 'api.paypal.com' })
    server.routes.set('/certs/CERT-cn', pemChain(other, intermediate))
    const signed = await sign(body, current, now(g), {
      signer: other,
      certUrl: `${server.base}/certs/CERT-cn`,
    })
    expect((await post(g, signed)).status).toBe(401)
    expect(reasons(g)).toEqual(['bad_certificate'])
  })

  it('rejects an expired certificate', async () => {
    const g = gateway()
    const expired = await issue(intermediate, {
      cn: 'messageverificationcerts.paypal.com',
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2026-06-01T00:00:00Z'),
    })
    server.routes.set('/certs/CERT-expired', pemChain(expired, intermediate))
    const signed = await sign(body, current, now(g), {
      signer: expired,
      certUrl: `${server.base}/certs/CERT-expired`,
    })
    expect((await post(g, signed)).status).toBe(401)
    expect(reasons(g)).toEqual(['bad_certificate'])
  })

  it('rejects a PAYPAL-AUTH-ALGO other than SHA256withRSA', async () => {
    const g = gateway()
    const signed = await sign(body, current, now(g), {
      headers: { 'paypal-auth-algo': 'SHA512withRSA' },
    })
    expect((await post(g, signed)).status).toBe(401)
    expect(reasons(g)).toEqual(['malformed_header'])
  })

  it('rejects an event signed for a webhook id that is not configured', async () => {
    const g = gateway()
    expect((await post(g, await sign(body, 'WH-ID-OTHER-SHOP', now(g)))).status).toBe(401)
    expect(reasons(g)).toEqual(['bad_signature'])
  })

  it('rejects a one-byte change to the body (the CRC-32 in the signed string differs)', async () => {
    const g = gateway()
    const signed = await sign(body, current, now(g))
    expect(
      (await post(g, { ...signed, body: signed.body.replace('"COMPLETED"', '"COMPLETEd"') }))
        .status,
    ).toBe(401)
    expect(reasons(g)).toEqual(['bad_signature'])
  })

  it('fetches the certificate once for many requests', async () => {
    const g = gateway()
    server.routes.set('/certs/CERT-cached', pemChain(leaf, intermediate))
    for (let i = 0; i < 10; i++) {
      const event = body.replace('WH-58D329510W468432D-8HN650336L201105X', `WH-CACHED-${i}`)
      const signed = await sign(event, current, now(g), {
        certUrl: `${server.base}/certs/CERT-cached`,
      })
      expect((await post(g, signed)).status).toBe(200)
    }
    expect(g.publisher.records).toHaveLength(10)
    expect(server.hits.get('/certs/CERT-cached')).toBe(1)
  })

  it('sends an amount with more decimals than the currency allows ("2.515" USD) to the DLQ', async () => {
    const g = gateway()
    const odd = body.replace('"value": "2.51"', '"value": "2.515"')
    expect((await post(g, await sign(odd, current, now(g)))).status).toBe(200)
    const [record] = g.publisher.records
    expect(record?.topic).toBe('transactions.dlq')
    expect((record?.value as { reason: string }).reason).toMatch(/2\.515.*USD/)
  })

  it('maps a REST v1 sale event (state, amount.total, amount.currency)', async () => {
    const g = gateway()
    const sale = {
      id: 'WH-2WR32451HC0233532-67976317FL4543714',
      create_time: '2026-11-22T11:59:00.000Z',
      event_type: 'PAYMENT.SALE.COMPLETED',
      resource: {
        id: '80021663DE681814L',
        state: 'completed',
        amount: { total: '1000', currency: 'JPY' },
        parent_payment: 'PAY-1PA12106FU478450MKRETS4A',
        create_time: '2026-11-22T11:58:30Z',
        update_time: '2026-11-22T11:58:50Z',
      },
    }
    expect((await post(g, await sign(JSON.stringify(sale), current, now(g)))).status).toBe(200)
    expect(g.publisher.records[0]?.value).toMatchObject({
      transaction_id: '80021663DE681814L',
      amount: 1000,
      currency: 'JPY',
      status: 'completed',
      timestamp: '2026-11-22T11:58:50.000Z',
    })
  })

  it('trusts DigiCert Global Root CA and G2 by default, and so refuses the test CA', async () => {
    const scheme = paypal.auth.schemes[0]
    if (scheme?.kind !== 'cert-signature') throw new Error('expected a cert-signature scheme')
    const names = scheme.trustedCa.defaults.map(
      (pem) => new X509Certificate(pem).subjectName.getField('CN')[0],
    )
    expect(names).toEqual(['DigiCert Global Root CA', 'DigiCert Global Root G2'])
    const g = createTestGateway({ ...settings, PAYPAL_TRUSTED_CA: undefined })
    expect((await post(g, await sign(body, current, now(g)))).status).toBe(401)
    expect(reasons(g)).toEqual(['bad_certificate'])
  })
})
