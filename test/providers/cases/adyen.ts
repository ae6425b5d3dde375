/** Adyen: every item signed by @adyen/api-library's hmacValidator, with Basic auth configured. */
import { hmacValidator } from '@adyen/api-library'
import { fixture } from '../../helpers/app.ts'
import type { ProviderCase, SignOptions } from '../../helpers/provider-suite.ts'

export const body = await fixture('adyen.json')
export const current = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
export const previous = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00'
export const wrong = '0000000000000000000000000000000000000000000000000000000000000000'
export const credentials = 'adyen_webhook_user:p4ss:with:colons'
export const authorization = `Basic ${btoa(credentials)}`

export type Notification = {
  notificationItems: {
    NotificationRequestItem: Record<string, unknown> & { additionalData?: Record<string, unknown> }
  }[]
}

const validator = new hmacValidator()

/** Re-signs every item with Adyen's own SDK, as Adyen does when it sends the notification. */
export function signItems(payload: string, key: string): string {
  let parsed: Notification
  try {
    parsed = JSON.parse(payload) as Notification
  } catch {
    return payload // what does not parse cannot carry a signature
  }
  for (const { NotificationRequestItem: item } of parsed.notificationItems) {
    // The SDK's NotificationRequestItem type is a class; the plain JSON object is what it reads.
    const hmacSignature = validator.calculateHmac(item as never, key)
    item.additionalData = { ...item.additionalData, hmacSignature }
  }
  return JSON.stringify(parsed, null, 2)
}

export const sign = (payload: string, { secret }: SignOptions) => ({
  body: signItems(payload, secret),
  headers: { authorization },
})

export default {
  provider: 'adyen',
  signer: '`@adyen/api-library` `hmacValidator.calculateHmac` (verified by `validateHMAC`)',
  // Basic credentials are a secret of the same account as the HMAC key: both are per tenant.
  secretSettings: (secrets) => ({ ADYEN_HMAC_KEY: secrets.join(','), ADYEN_BASIC_AUTH: credentials }),
  secrets: { current, previous, wrong },
  body,
  sign,
  sdkVerify: (req, secret) => {
    const parsed = JSON.parse(req.body) as Notification
    return parsed.notificationItems.every((n) => validator.validateHMAC(n.NotificationRequestItem as never, secret))
  },
  // The HMAC lives inside each item; with Basic configured, Authorization is the required header.
  signatureHeader: undefined,
  requiredHeaders: ['authorization'],
  tamperEmbeddedSignature: (b) =>
    b.replace(/("hmacSignature"\s*:\s*")([A-Za-z0-9+/])/, (_, p: string, ch: string) => p + (ch === 'A' ? 'B' : 'A')),
  tamperBody: (b) => b.replace('"value": 10100', '"value": 10'),
  nonTransaction: (b) => b.replace('"AUTHORISATION"', '"REPORT_AVAILABLE"'),
  unmappable: (b) => b.replace('"currency": "EUR"', '"currency": "ZZZ"'),
  acknowledgement: '[accepted]',
  expected: {
    event_type: 'AUTHORISATION',
    transaction_id: '123456789',
    amount: 10100,
    currency: 'EUR',
    status: 'authorisation',
    payment_method: 'card',
    customer_id: null,
    timestamp: '2017-01-19T15:42:03.000Z',
    idempotency_key: '123456789:AUTHORISATION',
  },
} satisfies ProviderCase
