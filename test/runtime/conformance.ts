/**
 * The black-box conformance suite every runtime runs (hono's runtime-tests, jose's one suite with
 * the implementation passed in): DESIGN's status table as a provider sees it, over real HTTP
 * against a gateway started as a process. It knows only base URLs.
 */
import { describe, expect, it } from 'vitest'
import { postKeepingEarlyAnswer } from '../helpers/post-early-answer.ts'
import { SIGNED_PROVIDERS, stripeEvent, stripeHeaders, TENANT_SECRETS, type SignedEvent } from './signers.ts'

export type ConformanceTarget = {
  runtime: string
  /** The gateway started with `mainSettings()`. */
  main(): string
  /** A second gateway started with `limitedSettings()`: Stripe limited to 1/h, publishing refused. */
  limited(): string
  /**
   * Whether `main` has a durable publisher. A Worker without a Kafka REST bridge has none: every
   * event it would publish must get 503, never 200.
   */
  durable: boolean
  /** What `/ready` must report (and what makes it answer 503 when they are not configured). */
  ready: { status: 200 | 503; store: string; publisher: string; mentions?: readonly string[] }
}

export const BODY_LIMIT = 1024 * 1024
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export function runConformance(t: ConformanceTarget): void {
  const post = (
    base: string,
    e: Pick<SignedEvent, 'provider' | 'body' | 'headers'>,
    init: RequestInit = {},
  ): Promise<Response> =>
    fetch(`${base}/webhooks/v1/${e.provider}/events`, { method: 'POST', headers: e.headers, body: e.body, ...init })

  /** 200 with an event id where the runtime can publish durably; 503 Retry-After where it cannot. */
  async function expectAccepted(res: Response, acknowledgement?: string): Promise<string | undefined> {
    if (!t.durable) {
      await expectProblem(res, 503, 'unavailable')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      return undefined
    }
    expect(res.status).toBe(200)
    const eventId = res.headers.get('txgate-event-id') ?? ''
    expect(eventId).toMatch(UUID_V7)
    if (acknowledgement !== undefined) expect(await res.text()).toBe(acknowledgement)
    else expect(await res.json()).toEqual({ event_id: eventId, duplicate: false })
    return eventId
  }

  describe(`runtime conformance: ${t.runtime}`, () => {
    it('GET /health answers 200 healthy', async () => {
      const res = await fetch(`${t.main()}/health`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ status: 'healthy' })
    })

    it(`GET /ready answers ${t.ready.status} naming the store and the publisher`, async () => {
      const res = await fetch(`${t.main()}/ready`)
      const text = await res.text()
      expect(res.status, text).toBe(t.ready.status)
      const body = JSON.parse(text) as { store: { kind: string }; publisher: { kind: string }; providers: string[] }
      expect(body.store.kind).toBe(t.ready.store)
      expect(body.publisher.kind).toBe(t.ready.publisher)
      expect(body.providers).toEqual(expect.arrayContaining(SIGNED_PROVIDERS.map((p) => p.provider)))
      for (const name of t.ready.mentions ?? []) expect(text).toContain(name)
    })

    for (const p of SIGNED_PROVIDERS) {
      it(`accepts a ${p.provider} event signed by its SDK`, async () => {
        await expectAccepted(await post(t.main(), p.event()), p.acknowledgement)
      })
    }

    it("accepts a tenant's event on /events/{tenant} with its own secret (variable or TXGATE_SECRETS), and only with it", async () => {
      const toTenant = (tenant: string, secret: string) => {
        const e = stripeEvent()
        return fetch(`${t.main()}/webhooks/v1/stripe/events/${tenant}`, {
          method: 'POST',
          headers: stripeHeaders(e.body, undefined, secret),
          body: e.body,
        })
      }
      await expectAccepted(await toTenant('acme', TENANT_SECRETS.acme))
      await expectAccepted(await toTenant('globex', TENANT_SECRETS.globex))
      await expectProblem(await toTenant('acme', TENANT_SECRETS.globex), 401, 'unauthorized')
      const e = stripeEvent() // signed with the default secret
      await expectProblem(await fetch(`${t.main()}/webhooks/v1/stripe/events/acme`, { method: 'POST', headers: e.headers, body: e.body }), 401, 'unauthorized')
      await expectProblem(await toTenant('initech', TENANT_SECRETS.acme), 404, 'unknown_tenant')
    })

    it('answers 20 distinct events sent at once, each on its own', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(t.main(), stripeEvent())))
      const ids = await Promise.all(answers.map((res) => expectAccepted(res)))
      if (t.durable) expect(new Set(ids).size).toBe(20)
    })

    it.runIf(t.durable)('answers a duplicate with the first event_id and duplicate: true', async () => {
      const event = stripeEvent()
      const first = await expectAccepted(await post(t.main(), event))
      const again = await post(t.main(), { ...event, headers: stripeHeaders(event.body) })
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ event_id: first, duplicate: true })
    })

    it('answers 401 problem+json to a tampered signature, without echoing it', async () => {
      const event = stripeEvent()
      const signature = event.headers['stripe-signature'] ?? ''
      const tampered = signature.replace(/v1=([0-9a-f])/, (_, c: string) => `v1=${c === '0' ? '1' : '0'}`)
      const res = await post(t.main(), { ...event, headers: { ...event.headers, 'stripe-signature': tampered } })
      const text = await expectProblem(res, 401, 'unauthorized')
      expect(text).not.toContain(tampered.slice(-16))
    })

    it('answers 401 to a body changed after signing', async () => {
      const event = stripeEvent()
      await expectProblem(await post(t.main(), { ...event, body: event.body.replace('1099', '1') }), 401, 'unauthorized')
    })

    it('answers 401 stale_timestamp to a timestamp older than the 300 s tolerance', async () => {
      const event = stripeEvent({ at: Math.floor(Date.now() / 1000) - 400 })
      await expectProblem(await post(t.main(), event), 401, 'stale_timestamp')
    })

    it('answers 401 future_timestamp to a timestamp an hour ahead (Stripe\'s SDK would accept it)', async () => {
      const event = stripeEvent({ at: Math.floor(Date.now() / 1000) + 3600 })
      await expectProblem(await post(t.main(), event), 401, 'future_timestamp')
    })

    it('answers 413 to a body over the limit (Content-Length declared)', async () => {
      const body = '{"pad":"' + 'x'.repeat(BODY_LIMIT) + '"}'
      const res = await postKeepingEarlyAnswer(`${t.main()}/webhooks/v1/stripe/events`, stripeHeaders(body), body)
      await expectProblem(res, 413, 'payload_too_large')
    })

    it('answers 413 to a chunked body that grows past the limit (no Content-Length)', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
      const stream = () => {
        let sent = 0
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent > BODY_LIMIT) return controller.close()
            sent += chunk.byteLength
            controller.enqueue(chunk)
          },
        })
      }
      const init = { body: stream(), duplex: 'half' } as RequestInit
      const res = await post(t.main(), { provider: 'stripe', body: '', headers: stripeHeaders('x') }, init)
      await expectProblem(res, 413, 'payload_too_large')
    })

    it('answers 400 to an authentic body that does not parse', async () => {
      const body = '{"id": "evt_broken", "type": '
      await expectProblem(await post(t.main(), { provider: 'stripe', body, headers: stripeHeaders(body) }), 400)
    })

    it('answers 200 ignored to an authentic event that is not a transaction', async () => {
      const event = stripeEvent({ edit: (b) => b.replace('"payment_intent.succeeded"', '"customer.created"') })
      const res = await post(t.main(), event)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ignored: true })
    })

    it(`answers ${t.durable ? '200 dlq' : '503'} to an authentic transaction that cannot be normalized`, async () => {
      const res = await post(t.main(), stripeEvent({ edit: (b) => b.replace('"currency": "usd"', '"currency": "zzz"') }))
      if (!t.durable) return void (await expectProblem(res, 503, 'unavailable'))
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ duplicate: false, dlq: true })
    })

    it('answers 404 to an unknown provider and to an unknown path', async () => {
      await expectProblem(await post(t.main(), { ...stripeEvent(), provider: 'nope' }), 404, 'unknown_provider')
      await expectProblem(await fetch(`${t.main()}/nowhere`), 404, 'not_found')
    })

    it('answers 405 with Allow: POST to a GET on the webhook route', async () => {
      const res = await fetch(`${t.main()}/webhooks/v1/stripe/events`)
      await expectProblem(res, 405, 'method_not_allowed')
      expect(res.headers.get('allow')).toBe('POST')
    })

    it('continues an incoming traceparent and returns a request id', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
      const res = await fetch(`${t.main()}/health`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } })
      expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
      expect(res.headers.get('x-request-id')).toBeTruthy()
      // Also on a webhook's answer and on a problem answer (each built a different way).
      for (const other of [await post(t.main(), stripeEvent()), await fetch(`${t.main()}/nowhere`)]) {
        expect(other.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
        expect(other.headers.get('x-request-id')).toBeTruthy()
        expect(other.headers.get('content-type')).toMatch(/json/)
      }
    })

    it('answers 503 with Retry-After when publishing is refused, then 429 with RateLimit-* once over the limit', async () => {
      const first = await post(t.limited(), stripeEvent())
      await expectProblem(first, 503, 'unavailable')
      expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0)
      const second = await post(t.limited(), stripeEvent())
      await expectProblem(second, 429, 'rate_limited')
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(second.headers.get('ratelimit-limit')).toBe('1')
      expect(second.headers.get('ratelimit-remaining')).toBe('0')
    })
  })
}

/** Settings of the `limited` gateway, on top of the provider secrets. */
export const LIMITED_SETTINGS: Readonly<Record<string, string>> = {
  TXGATE_RATE_LIMIT_STRIPE: '1/h',
  // Server runtimes: a spool that cannot take one record, so the publisher refuses (503).
  TXGATE_SPOOL_MAX_BYTES: '1',
}

// --- Internal helpers ---

async function expectProblem(res: Response, status: number, code?: string): Promise<string> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = JSON.parse(text) as { status: number; code: string; request_id: string }
  expect(problem.status).toBe(status)
  if (code !== undefined) expect(problem.code).toBe(code)
  expect(problem.request_id).toBeTruthy()
  return text
}
