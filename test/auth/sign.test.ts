/**
 * `txgate sign` (src/auth/sign.ts) against every registered provider: where our signer can sign the
 * provider's scheme, the headers it makes for the provider's documented event verify on the
 * gateway (200, published). The providers it cannot sign are listed with the reason, so a new
 * scheme the signer gets wrong, or cannot sign, fails here rather than in a user's shell.
 */
import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { providers } from '../../providers/index.ts'
import { signRequest } from '../../src/auth/sign.ts'
import type { RequestScheme } from '../../src/auth/types.ts'
import { createTestGateway } from '../helpers/app.ts'
import type { ProviderCase } from '../helpers/provider-suite.ts'

const dir = new URL('../providers/cases/', import.meta.url)
const cases = new Map<string, ProviderCase>()
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts'))) {
  const mod = (await import(new URL(file, dir).href)) as { default?: ProviderCase }
  if (mod.default) cases.set(mod.default.provider, mod.default)
}

// Adyen's HMAC is inside each notification item (the case's signed body carries it); the signer
// makes its Basic header only. What the signer cannot make at all, and why (it answers undefined, and `txgate sign` says so).
const UNSIGNABLE: Record<string, string> = {
  braintree: 'the signature is a form field beside the payload',
  paypal: "RSA with PayPal's private key",
  mercadopago: "the manifest signs Mercado Pago's request id",
}

describe('txgate sign: headers the gateway accepts', () => {
  for (const provider of providers) {
    const c = cases.get(provider.id)
    it(`${provider.id}${UNSIGNABLE[provider.id] ? ' (cannot be signed: ' + UNSIGNABLE[provider.id] + ')' : ''}`, async () => {
      if (!c) throw new Error(`no case file for ${provider.id}`)
      const settings = { ...c.settings, ...c.secretSettings([c.secrets.current]) }
      const g = createTestGateway(settings, c.fetch ? { fetch: c.fetch } : {})
      const atSec = Math.floor(g.clock.now / 1000)
      const request = (await c.sign(c.body, { secret: c.secrets.current, at: atSec })).body
      const headers: Record<string, string> = {}
      for (const scheme of provider.auth.schemes) {
        if (scheme.kind === 'item-hmac') continue
        const secret = scheme.kind === 'basic' ? settings[scheme.credentials] : 'secret' in scheme ? settings[scheme.secret] : undefined
        if (!secret) continue
        const url = (scheme.kind === 'hmac' && scheme.urlFrom && settings[scheme.urlFrom]) || `http://gateway.test/webhooks/v1/${provider.id}/events`
        const signed = await signRequest(scheme as RequestScheme, { body: new TextEncoder().encode(request), secret, atSec, url })
        if (signed) Object.assign(headers, signed)
      }
      if (UNSIGNABLE[provider.id]) {
        expect(headers, 'the signer made headers for a provider listed as unsignable').toEqual({})
        return
      }
      expect(Object.keys(headers).length, 'the signer made no header').toBeGreaterThan(0)
      // The case's own signed request supplies the provider's other headers (a topic, a content
      // type), never its signature: ours replaces it.
      const theirs = { ...(await c.sign(c.body, { secret: c.secrets.current, at: atSec })).headers }
      for (const name of [c.signatureHeader, ...Object.keys(headers)]) if (name) delete theirs[name.toLowerCase()]
      const res = await g.post(provider.id, request, { ...lower(theirs), ...headers })
      expect(res.status, await res.clone().text()).toBe(200)
      expect(g.publisher.records.length).toBeGreaterThan(0)
    })
  }
})

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
