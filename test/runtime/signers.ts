/**
 * Signed provider events for the runtime conformance suite, each made with the provider's own SDK
 * (Stripe: stripe-node; Adyen: @adyen/api-library; generic: the Standard Webhooks library), each
 * with a fresh id so one gateway can take many without them being duplicates.
 */
import { hmacValidator } from '@adyen/api-library'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { fixture } from '../helpers/app.ts'

export type SignedEvent = { provider: string; body: string; headers: Record<string, string> }

const STRIPE_SECRET = 'whsec_conformance_stripe_0123456789'
/** Tenants: acme by its own variable (a Workers secret on workerd), globex in TXGATE_SECRETS. */
export const TENANT_SECRETS = { acme: 'whsec_conformance_acme_0123456789', globex: 'whsec_conformance_globex_0123456789' }
// Standard Webhooks secrets are base64 after the whsec_ prefix.
const GENERIC_SECRET = `whsec_${btoa('conformance-generic-secret-0123456789')}`
const ADYEN_HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
const ADYEN_BASIC = 'adyen_conformance:p4ss'

/** The settings every runtime under test is started with: all signed providers configured. */
export const PROVIDER_SETTINGS: Readonly<Record<string, string>> = {
  STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
  STRIPE_WEBHOOK_SECRET__ACME: TENANT_SECRETS.acme,
  TXGATE_SECRETS: `tenants: {globex: {STRIPE_WEBHOOK_SECRET: ${TENANT_SECRETS.globex}}}`,
  GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
  ADYEN_HMAC_KEY,
  ADYEN_BASIC_AUTH: ADYEN_BASIC,
}

const stripeBody = await fixture('stripe.json')
const adyenBody = await fixture('adyen.json')
let sequence = 0
const unique = (): string => `${Date.now().toString(36)}${(sequence++).toString(36)}`

/** A Stripe `payment_intent.succeeded` with a fresh event id, signed `at` (Unix seconds). */
export function stripeEvent(opts: { at?: number; edit?: (body: string) => string } = {}): SignedEvent {
  const body = (opts.edit ?? ((b) => b))(stripeBody.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', `evt_${unique()}`))
  return { provider: 'stripe', body, headers: stripeHeaders(body, opts.at) }
}

export function stripeHeaders(
  body: string,
  at = Math.floor(Date.now() / 1000),
  secret = STRIPE_SECRET,
): Record<string, string> {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: at })
  return { 'content-type': 'application/json', 'stripe-signature': signature }
}

/** A platform producer's flat transaction, signed by the Standard Webhooks reference library. */
export function genericEvent(): SignedEvent {
  const id = `evt_${unique()}`
  const body = JSON.stringify({
    event_id: id,
    event_type: 'payment.succeeded',
    transaction_id: `txn_${id}`,
    timestamp: '2026-11-22T11:59:30Z',
    amount: 2599,
    currency: 'eur',
    status: 'SUCCEEDED',
    payment_method: 'card',
  })
  const at = new Date()
  const signature = new Webhook(GENERIC_SECRET).sign(id, at, body)
  return {
    provider: 'generic',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
  }
}

type AdyenNotification = { notificationItems: { NotificationRequestItem: Record<string, unknown> }[] }

/** An Adyen AUTHORISATION notification with a fresh pspReference, each item HMAC-signed by the SDK. */
export function adyenEvent(): SignedEvent {
  const parsed = JSON.parse(adyenBody) as AdyenNotification
  const validator = new hmacValidator()
  for (const { NotificationRequestItem: item } of parsed.notificationItems) {
    item['pspReference'] = `${Date.now()}${sequence++}`
    // The SDK's NotificationRequestItem type is a class; the plain JSON object is what it reads.
    const hmacSignature = validator.calculateHmac(item as never, ADYEN_HMAC_KEY)
    item['additionalData'] = { ...(item['additionalData'] as object | undefined), hmacSignature }
  }
  return {
    provider: 'adyen',
    body: JSON.stringify(parsed),
    headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(ADYEN_BASIC)}` },
  }
}

/** One authentic transaction event per provider the suite signs. */
export const SIGNED_PROVIDERS: readonly { provider: string; event(): SignedEvent; acknowledgement?: string }[] = [
  { provider: 'stripe', event: () => stripeEvent() },
  { provider: 'generic', event: genericEvent },
  { provider: 'adyen', event: adyenEvent, acknowledgement: '[accepted]' },
]
