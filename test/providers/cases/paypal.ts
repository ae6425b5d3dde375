/**
 * PayPal publishes no signer: only PayPal holds the key behind its message-verification
 * certificates, and no SDK has a test helper (providers.md). So this case runs its own CA
 * (root → intermediate → leaf CN messageverificationcerts.paypal.com), serves the chain from a
 * loopback cert URL, and signs with node:crypto exactly as PayPal-Java-SDK's
 * Event.validateReceivedEvent verifies: RSA-SHA256 over `id|time|webhookId|crc32(body)`.
 */
import { randomUUID } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { fixture } from '../../helpers/app.ts'
import { serveCerts } from '../../helpers/cert-server.ts'
import type { ProviderCase, SignedRequest } from '../../helpers/provider-suite.ts'
import { createRoot, issue, pemChain, signRsaSha256, type KeyedCert } from '../../helpers/test-ca.ts'

export const body = await fixture('paypal.json')
export const server = await serveCerts()
export const root = await createRoot()
export const intermediate = await issue(root, { cn: 'txgate test intermediate', ca: true })
export const leaf = await issue(intermediate, { cn: 'messageverificationcerts.paypal.com' })
server.routes.set('/certs/CERT-good', pemChain(leaf, intermediate))
export const certUrl = `${server.base}/certs/CERT-good`

export const current = 'WH-ID-CURRENT-7PV01234'
export const previous = 'WH-ID-PREVIOUS-3KD56789'
/** Not secrets: where certificates may come from and what they chain to (shared by tenants). */
export const shared = {
  PAYPAL_CERT_URL_PREFIXES: `${server.base}/certs/`,
  PAYPAL_TRUSTED_CA: root.pem,
}
export const settings = { PAYPAL_WEBHOOK_ID: `${previous},${current}`, ...shared }

export type Overrides = { signer?: KeyedCert; certUrl?: string; headers?: Record<string, string> }

/** Signs `payload` as PayPal does, for webhook subscription `webhookId`, at `at` (Unix seconds). */
export async function sign(payload: string, webhookId: string, at: number, o: Overrides = {}): Promise<SignedRequest> {
  const id = randomUUID()
  const time = new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const crc = zlibCrc32(Buffer.from(payload)) // zlib's CRC-32, independent of the gateway's
  const sig = await signRsaSha256(o.signer ?? leaf, `${id}|${time}|${webhookId}|${crc}`)
  return {
    body: payload,
    headers: {
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': sig,
      'paypal-cert-url': o.certUrl ?? certUrl,
      'paypal-auth-algo': 'SHA256withRSA',
      ...o.headers,
    },
  }
}

export default {
  provider: 'paypal',
  signer: 'node:crypto RSA-SHA256 with a test CA (PayPal has no signer: only it holds the key)',
  // The "secret" that rotates is the webhook subscription id: several may be configured.
  secretSettings: (secrets) => ({ PAYPAL_WEBHOOK_ID: secrets.join(',') }),
  settings: shared,
  secrets: { current, previous, wrong: 'WH-ID-SOMEONE-ELSE' },
  body,
  sign: (payload, { secret, at }) => sign(payload, secret, at),
  signatureHeader: 'paypal-transmission-sig',
  requiredHeaders: ['paypal-transmission-sig', 'paypal-transmission-id', 'paypal-transmission-time', 'paypal-cert-url'],
  signedTime: { toleranceSec: 300, direction: 'both' },
  tamperBody: (b) => b.replace('"value": "2.51"', '"value": "0.01"'),
  nonTransaction: (b) => b.replace('"PAYMENT.CAPTURE.COMPLETED"', '"CUSTOMER.DISPUTE.CREATED"'),
  unmappable: (b) => b.replace('"currency_code": "USD"', '"currency_code": "ZZZ"'),
  expected: {
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    transaction_id: '27M47624FP291604U',
    amount: 251,
    currency: 'USD',
    status: 'completed',
    payment_method: 'paypal',
    customer_id: null,
    timestamp: '2019-02-14T21:49:58.000Z',
    idempotency_key: 'WH-58D329510W468432D-8HN650336L201105X',
  },
  close: () => server.close(),
} satisfies ProviderCase
