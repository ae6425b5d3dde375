/**
 * Pre-signed webhook requests for the load generator: several providers mixed, a share of
 * duplicates (the same delivery again) and of bad signatures, signed before the clock starts.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import adyen from '../../providers/adyen.ts'
import generic from '../../providers/generic.ts'
import stripe from '../../providers/stripe.ts'
import { signRequest } from '../../src/auth/sign.ts'
import type { AuthScheme, ItemHmacScheme, RequestScheme } from '../../src/auth/types.ts'
import { utf8 } from '../../src/auth/encoding.ts'

export type BenchRequest = {
  provider: string
  body: Uint8Array
  headers: Record<string, string>
  kind: 'new' | 'dup' | 'bad'
}
export type Mix = { providers: readonly string[]; dup: number; bad: number }
export const SIGNABLE = ['stripe', 'generic', 'adyen'] as const

/** Secrets for a gateway the bench starts; against --url they come from the bench's own env. */
export function benchSecrets(env: NodeJS.ProcessEnv, generate: boolean): Record<string, string> {
  const pick = (name: string, make: () => string) => env[name] ?? (generate ? make() : '')
  return {
    STRIPE_WEBHOOK_SECRET: pick(
      'STRIPE_WEBHOOK_SECRET',
      () => `whsec_${randomBytes(24).toString('base64')}`,
    ),
    GENERIC_WEBHOOK_SECRET: pick(
      'GENERIC_WEBHOOK_SECRET',
      () => `whsec_${randomBytes(24).toString('base64')}`,
    ),
    ADYEN_HMAC_KEY: pick('ADYEN_HMAC_KEY', () => randomBytes(32).toString('hex').toUpperCase()),
  }
}

export async function buildRequests(
  n: number,
  mix: Mix,
  secrets: Record<string, string>,
  seed: string,
): Promise<BenchRequest[]> {
  const fixtures = {
    stripe: (await fixture('stripe.json')) as StripeEvent,
    adyen: (await fixture('adyen.json')) as AdyenEvent,
  }
  const at = Math.floor(Date.now() / 1000)
  const out: BenchRequest[] = []
  const fresh: BenchRequest[] = []
  const rand = lcg(seed)
  for (let i = 0; i < n; i++) {
    const r = rand()
    if (r < mix.dup && fresh.length > 0) {
      const first = fresh[Math.floor(rand() * fresh.length)] as BenchRequest
      out.push({ ...first, kind: 'dup' })
      continue
    }
    const provider = mix.providers[i % mix.providers.length] as string
    const id = `${seed}-${i}`
    const signed = await sign(provider, id, at, secrets, fixtures)
    const req: BenchRequest =
      r < mix.dup + mix.bad ? { ...corrupt(signed), kind: 'bad' } : { ...signed, kind: 'new' }
    out.push(req)
    if (req.kind === 'new') fresh.push(req)
  }
  return out
}

// --- Internal helpers ---

type Signed = { provider: string; body: Uint8Array; headers: Record<string, string> }
type StripeEvent = { id: string; data: { object: { id: string } } }
type AdyenItem = { pspReference: string; additionalData: { hmacSignature?: string } }
type AdyenEvent = { notificationItems: { NotificationRequestItem: AdyenItem }[] }
type Fixtures = { stripe: StripeEvent; adyen: AdyenEvent }

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(
    await readFile(
      new URL(`../../../shared/fixtures/provider-events/${name}`, import.meta.url),
      'utf8',
    ),
  )
}

async function sign(
  provider: string,
  id: string,
  at: number,
  secrets: Record<string, string>,
  fx: Fixtures,
): Promise<Signed> {
  const json = { 'content-type': 'application/json' }
  if (provider === 'stripe') {
    const ev = structuredClone(fx.stripe)
    ev.id = `evt_${id}`
    ev.data.object.id = `pi_${id}`
    const body = utf8(JSON.stringify(ev))
    const headers = await signRequest(scheme(stripe.auth.schemes, 'hmac'), {
      body,
      secret: secrets['STRIPE_WEBHOOK_SECRET'] ?? '',
      atSec: at,
      url: '',
    })
    return { provider, body, headers: { ...json, ...headers } }
  }
  if (provider === 'generic') {
    const ev = {
      event_id: `ev_${id}`,
      event_type: 'payment.captured',
      transaction_id: `tx_${id}`,
      timestamp: at,
      amount: '12.34',
      currency: 'EUR',
      status: 'captured',
      payment_method: 'card',
      customer_id: null,
    }
    const body = utf8(JSON.stringify(ev))
    const headers = await signRequest(scheme(generic.auth.schemes, 'standard-webhooks'), {
      body,
      secret: secrets['GENERIC_WEBHOOK_SECRET'] ?? '',
      atSec: at,
      url: '',
      id: `msg_${id}`,
    })
    return { provider, body, headers: { ...json, ...headers } }
  }
  if (provider === 'adyen') {
    const ev = structuredClone(fx.adyen)
    const item = ev.notificationItems[0]?.NotificationRequestItem
    if (!item) throw new Error('the Adyen fixture has no item')
    item.pspReference = `PSP${id}`
    const s = adyen.auth.schemes.find(
      (x: AuthScheme): x is ItemHmacScheme => x.kind === 'item-hmac',
    ) as ItemHmacScheme
    const key = Buffer.from(secrets['ADYEN_HMAC_KEY'] ?? '', 'hex')
    item.additionalData.hmacSignature = createHmac('sha256', key)
      .update(s.signedString(item))
      .digest('base64')
    return { provider, body: utf8(JSON.stringify(ev)), headers: json }
  }
  throw new Error(
    `the bench cannot sign for provider "${provider}" (one of ${SIGNABLE.join(', ')})`,
  )
}

function scheme(schemes: readonly AuthScheme[], kind: RequestScheme['kind']): RequestScheme {
  const s = schemes.find((x): x is RequestScheme => x.kind === kind)
  if (!s) throw new Error(`no ${kind} scheme`)
  return s
}

/** A wrong signature, same shape: one character of the signature (header or Adyen item) changed. */
function corrupt(s: Signed): Signed {
  const flip = (v: string) => v.slice(0, -3) + (v.at(-3) === 'A' ? 'B' : 'A') + v.slice(-2)
  for (const name of ['stripe-signature', 'webhook-signature']) {
    const v = s.headers[name]
    if (v) return { ...s, headers: { ...s.headers, [name]: flip(v) } }
  }
  const text = new TextDecoder()
    .decode(s.body)
    .replace(/("hmacSignature":")([^"]+)"/, (_, k: string, v: string) => `${k}${flip(v)}"`)
  return { ...s, body: utf8(text) }
}

/** A seeded generator, so a run's mix can be repeated. */
function lcg(seed: string): () => number {
  let x = [...seed].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7)
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32
}
