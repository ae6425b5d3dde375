/** Shopify: signed by `@shopify/shopify-api`'s own test helper `getHmac`, checked by `webhooks.validate`. */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import '@shopify/shopify-api/adapters/web-api'
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api'
import { getHmac } from '@shopify/shopify-api/test-helpers'
import type { ProviderCase, SignOptions, SignedRequest } from '../../helpers/provider-suite.ts'

export const current = 'shpss_current_0123456789abcdef'
export const body = await readFile(new URL('../../fixtures/providers/shopify.json', import.meta.url), 'utf8')

/** The webhook id a delivery keeps on every retry; derived from the body so one body is one delivery. */
const webhookId = (payload: string) => createHash('sha256').update(payload).digest('hex').slice(0, 36)

/** Shopify picks the topic by the resource; the test does so by the resource's gid type. */
const TOPIC_BY_RESOURCE: Record<string, string> = {
  OrderTransaction: 'order_transactions/create',
  Order: 'orders/paid',
  Customer: 'customers/create',
}
const topicOf = (payload: string) =>
  TOPIC_BY_RESOURCE[/gid:\/\/shopify\/(\w+)\//.exec(payload)?.[1] ?? ''] ?? 'order_transactions/create'

export const sign = (payload: string, { secret }: SignOptions, topic = topicOf(payload)) => ({
  body: payload,
  headers: {
    'x-shopify-hmac-sha256': getHmac(payload, secret),
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': 'txgate-test.myshopify.com',
    'x-shopify-api-version': '2024-10',
    'x-shopify-webhook-id': webhookId(payload),
    'x-shopify-triggered-at': '2022-01-01T00:00:01.000Z',
  },
})

export const sdkVerify = async (req: SignedRequest, secret: string): Promise<boolean> => {
  const shopify = shopifyApi({
    apiKey: 'txgate-test',
    apiSecretKey: secret,
    scopes: [],
    hostName: 'txgate.example',
    apiVersion: ApiVersion.October24,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => {} },
  })
  const rawRequest = new Request('https://txgate.example/webhooks/v1/shopify', {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  })
  const result = await shopify.webhooks.validate({ rawBody: req.body, rawRequest, rawResponse: new Response() })
  return result.valid
}

export default {
  provider: 'shopify',
  signer: '`@shopify/shopify-api` `test-helpers` `getHmac` (verified by `webhooks.validate`)',
  secretSettings: (secrets) => ({ SHOPIFY_API_SECRET: secrets.join(',') }),
  secrets: { current, previous: 'shpss_previous_0123456789', wrong: 'shpss_wrong' },
  body,
  sign,
  sdkVerify,
  signatureHeader: 'x-shopify-hmac-sha256',
  tamperBody: (b) => b.replace('"amount": "403.00"', '"amount": "4.03"'),
  // The topic travels in a header; a non-transaction event is another resource under another topic.
  nonTransaction: (b) => b.replace('gid://shopify/OrderTransaction/', 'gid://shopify/Customer/'),
  unmappable: (b) => b.replace('"currency": "USD"', '"currency": "ZZZ"'),
  expected: {
    event_type: 'order_transactions/create',
    transaction_id: '120560818172775265',
    amount: 40300,
    currency: 'USD',
    status: 'succeeded',
    payment_method: 'visa',
    customer_id: null,
    timestamp: '2022-01-01T00:00:01.000Z',
  },
} satisfies ProviderCase
