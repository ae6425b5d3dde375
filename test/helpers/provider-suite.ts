/**
 * The conformance suite every provider runs (unstorage's testDriver): each case signs with the
 * provider's official SDK where one exists and checks one behaviour a provider or operator sees.
 */
import { describe, expect, it } from 'vitest'
import type { Settings } from '../../src/config.ts'
import type { TransactionMessage } from '../../src/message/schema.ts'
import { createTestGateway, type TestGateway } from './app.ts'

export type SignedRequest = { body: string; headers: Record<string, string> }
export type SignOptions = { secret: string; at: number }

export type ProviderCase = {
  provider: string
  /** Settings that configure the provider with `secrets.previous` and `secrets.current` (rotation). */
  settings: Settings
  secrets: { current: string; previous: string; wrong: string }
  /** An authentic transaction event (unsigned). */
  body: string
  /** Signs `body` as the provider would, at `at` (Unix seconds), with `secret`. */
  sign(body: string, opts: SignOptions): SignedRequest | Promise<SignedRequest>
  /** The header whose removal or corruption must fail authentication. */
  signatureHeader: string
  /** Whether the scheme signs a time (then stale and future timestamps are tested). */
  signsTime: boolean
  /** 'past': only old timestamps are rejected (Stripe's SDK); 'both': ± tolerance. */
  toleranceDirection?: 'past' | 'both'
  /** Changes a signed part of an already signed body. */
  tamperBody(signed: string): string
  /** An authentic event that is not a transaction. */
  nonTransaction(body: string): string
  /** An authentic transaction event that cannot be normalized (e.g. an unknown currency). */
  unnormalizable(body: string): string
  /** Fields the message of `body` must carry. */
  expected: Partial<TransactionMessage>
  /** Fixed text answer for 200s (Adyen's `[accepted]`). */
  acknowledgement?: string
  fetch?: typeof fetch
}

export function testProvider(c: ProviderCase): void {
  const gateway = (): TestGateway => createTestGateway(c.settings, c.fetch ? { fetch: c.fetch } : {})
  const now = (g: TestGateway) => Math.floor(g.clock.now / 1000)
  const send = (g: TestGateway, r: SignedRequest) => g.post(c.provider, r.body, r.headers)
  // Every answer that names events carries their ids in this header, JSON or not.
  const eventIdOf = async (res: Response): Promise<string | undefined> =>
    res.headers.get('txgate-event-id') ?? undefined

  describe(`provider: ${c.provider}`, () => {
    it('accepts a correctly signed transaction event and publishes one normalized message', async () => {
      const g = gateway()
      const res = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) }))
      expect(res.status).toBe(200)
      if (c.acknowledgement !== undefined) expect(await res.text()).toBe(c.acknowledgement)
      else expect(await res.json()).toMatchObject({ duplicate: false })
      expect(g.publisher.records).toHaveLength(1)
      const [record] = g.publisher.records
      expect(record?.topic).toBe('transactions.realtime')
      expect(record?.value).toMatchObject({ provider: c.provider, source: 'webhook', ...c.expected })
      expect(record?.key).toBe(`${c.provider}:${c.expected.transaction_id}`)
      expect(record?.headers.event_id).toBe(await eventIdOf(res))
    })

    it('accepts an event signed with the previous secret while both are configured (rotation)', async () => {
      const g = gateway()
      const res = await send(g, await c.sign(c.body, { secret: c.secrets.previous, at: now(g) }))
      expect(res.status).toBe(200)
      expect(g.publisher.records).toHaveLength(1)
    })

    it('rejects a signature made with a wrong key (401 problem+json, nothing published)', async () => {
      const g = gateway()
      const res = await send(g, await c.sign(c.body, { secret: c.secrets.wrong, at: now(g) }))
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      const problem = (await res.json()) as { code: string; request_id: string }
      expect(problem.code).toBe('unauthorized')
      expect(problem.request_id).toBeTruthy()
      expect(g.publisher.records).toHaveLength(0)
      expect(g.logs.some((l) => l['event'] === 'auth_failure' && l['provider'] === c.provider)).toBe(true)
    })

    it('rejects a tampered body', async () => {
      const g = gateway()
      const signed = await c.sign(c.body, { secret: c.secrets.current, at: now(g) })
      const res = await send(g, { ...signed, body: c.tamperBody(signed.body) })
      expect(res.status).toBe(401)
      expect(g.publisher.records).toHaveLength(0)
    })

    it('rejects a tampered signature', async () => {
      const g = gateway()
      const signed = await c.sign(c.body, { secret: c.secrets.current, at: now(g) })
      const headers = { ...signed.headers }
      const value = headers[c.signatureHeader]
      if (value !== undefined) headers[c.signatureHeader] = flipLastSignatureChar(value)
      const body = value === undefined ? flipEmbeddedSignature(signed.body) : signed.body
      const res = await send(g, { body, headers })
      expect(res.status).toBe(401)
      expect(g.publisher.records).toHaveLength(0)
    })

    it('rejects a request without its signature header', async () => {
      const g = gateway()
      const signed = await c.sign(c.body, { secret: c.secrets.current, at: now(g) })
      const headers = Object.fromEntries(
        Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== c.signatureHeader.toLowerCase()),
      )
      const res = await send(g, { body: signed.body, headers })
      expect(res.status).toBe(401)
    })

    if (c.signsTime) {
      it('rejects a timestamp older than the tolerance', async () => {
        const g = gateway()
        const res = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) - 301 }))
        expect(res.status).toBe(401)
        expect(g.logs.some((l) => l['reason'] === 'stale_timestamp')).toBe(true)
      })

      it('accepts a timestamp just inside the tolerance', async () => {
        const g = gateway()
        const res = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) - 290 }))
        expect(res.status).toBe(200)
      })

      it(`${c.toleranceDirection === 'past' ? 'accepts' : 'rejects'} a timestamp further in the future than the tolerance`, async () => {
        const g = gateway()
        const res = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) + 301 }))
        expect(res.status).toBe(c.toleranceDirection === 'past' ? 200 : 401)
      })
    }

    it('answers a duplicate with the first event_id and publishes nothing more', async () => {
      const g = gateway()
      const first = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) }))
      g.clock.now += 5000
      const again = await send(g, await c.sign(c.body, { secret: c.secrets.current, at: now(g) }))
      expect(again.status).toBe(200)
      expect(await eventIdOf(again)).toBe(await eventIdOf(first))
      if (c.acknowledgement === undefined) expect(await again.json()).toMatchObject({ duplicate: true })
      expect(g.publisher.records).toHaveLength(1)
    })

    it('publishes exactly one message for 50 concurrent copies of one event', async () => {
      const g = gateway()
      const signed = await c.sign(c.body, { secret: c.secrets.current, at: now(g) })
      const answers = await Promise.all(Array.from({ length: 50 }, () => send(g, signed)))
      expect(g.publisher.records).toHaveLength(1)
      const statuses = new Set(answers.map((a) => a.status))
      expect([...statuses].every((s) => s === 200 || s === 409)).toBe(true)
      const ids = new Set(
        await Promise.all(answers.filter((a) => a.status === 200).map((a) => eventIdOf(a))),
      )
      expect(ids.size).toBe(1)
    })

    it('answers 200 ignored for an authentic event that is not a transaction', async () => {
      const g = gateway()
      const res = await send(g, await c.sign(c.nonTransaction(c.body), { secret: c.secrets.current, at: now(g) }))
      expect(res.status).toBe(200)
      if (c.acknowledgement === undefined) expect(await res.json()).toEqual({ ignored: true })
      expect(g.publisher.records).toHaveLength(0)
    })

    it('sends an authentic transaction that cannot be normalized to the DLQ with the reason', async () => {
      const g = gateway()
      const res = await send(g, await c.sign(c.unnormalizable(c.body), { secret: c.secrets.current, at: now(g) }))
      expect(res.status).toBe(200)
      expect(g.publisher.records).toHaveLength(1)
      const [record] = g.publisher.records
      expect(record?.topic).toBe('transactions.dlq')
      expect(record?.value).toMatchObject({ provider: c.provider })
      expect(typeof (record?.value as { reason?: unknown }).reason).toBe('string')
      expect((record?.value as { raw?: unknown }).raw).toBeTruthy()
    })

    it('answers 400 for an authentic body that is not parseable', async () => {
      const g = gateway()
      const res = await send(g, await c.sign('{"not": "closed"', { secret: c.secrets.current, at: now(g) }))
      // Providers whose signature lives inside the body cannot sign what does not parse: 401 then.
      expect([400, 401]).toContain(res.status)
      expect(g.publisher.records).toHaveLength(0)
    })
  })
}

// --- Internal helpers ---

function flipLastSignatureChar(value: string): string {
  const last = value.at(-1)
  const i = last === '=' ? value.replace(/=+$/, '').length - 1 : value.length - 1
  const ch = value[i] ?? 'a'
  const swapped = ch === 'a' ? 'b' : ch === 'A' ? 'B' : ch === '0' ? '1' : 'a'
  return value.slice(0, i) + swapped + value.slice(i + 1)
}

function flipEmbeddedSignature(body: string): string {
  return body.replace(/("hmacSignature"\s*:\s*")([A-Za-z0-9+/])/, (_, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'))
}
