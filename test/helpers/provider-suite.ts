/**
 * The provider conformance table. Every registered provider has a case file
 * `test/providers/cases/<id>.ts` whose default export is a `ProviderCase`; the conformance test
 * runs each one through the same behaviours (valid, each tamper, rotation, duplicate, ignored,
 * DLQ). A case signs with the provider's official SDK where one can sign, and names it in `sdk`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Settings } from '../../src/config.ts'
import type { TransactionMessage } from '../../src/message/schema.ts'
import { createTestGateway, type TestGateway } from './app.ts'

export type SignedRequest = { body: string; headers: Record<string, string> }
export type SignOptions = { secret: string; at: number }

/** Names of the cases a provider may declare not applicable (with the reason) in `skip`. */
export type CaseName =
  | 'rotation'
  | 'rotated_out'
  | 'tampered_signature'
  | 'missing_header'
  | 'duplicate'
  | 'concurrent_duplicates'
  | 'ignored'
  | 'dlq'
  | 'unparseable'

export type ProviderCase = {
  provider: string
  /**
   * Where the signature in `sign` comes from, as the README's provider table shows it: the npm
   * package and function (`stripe` `webhooks.generateTestHeaderString`), or `node:crypto (…)` with
   * why no official signer exists.
   */
  signer: string
  /**
   * The provider's secret settings holding `secrets` (in order; several = a rotation window).
   * Only secrets: the tenant cases configure these names with a `__<TENANT>` suffix.
   */
  secretSettings(secrets: readonly string[]): Settings
  /** Settings that are not secrets (URLs, trust roots); shared by every tenant. */
  settings?: Settings
  secrets: { current: string; previous: string; wrong: string }
  /** An authentic transaction event (unsigned), the shape of the provider's documentation. */
  body: string
  /** Signs `body` as the provider would, at `at` (Unix seconds), with `secret`. */
  sign(body: string, opts: SignOptions): SignedRequest | Promise<SignedRequest>
  /**
   * Checks a signed request with the SDK's own verifier, where the SDK has one (then the suite
   * proves the SDK accepts what `sign` made and refuses it tampered: the signer is not ours alone).
   */
  sdkVerify?(req: SignedRequest, secret: string): boolean | Promise<boolean>
  /** The header carrying the signature; undefined when it lives inside the body (Adyen). */
  signatureHeader: string | undefined
  /** Headers whose absence alone must fail authentication (default: the signature header). */
  requiredHeaders?: readonly string[]
  /** Present when the scheme signs a time: how far off it may be and in which direction. */
  signedTime?: { toleranceSec: number; direction: 'past' | 'both' }
  /** Changes a signed part of an already signed body. */
  tamperBody(signed: string): string
  /** Corrupts a signature carried inside the body (for `signatureHeader: undefined`). */
  tamperEmbeddedSignature?(signed: string): string
  /** An authentic event that is not a transaction. */
  nonTransaction(body: string): string
  /** An authentic transaction event that cannot be normalized (e.g. an unknown currency). */
  unmappable(body: string): string
  /**
   * Set when the provider's notifications carry only ids (Mercado Pago): no message can be built
   * without fetching the resource, so an authentic transaction event goes to the DLQ, its reason
   * matching this, and `expected` describes only its key fields.
   */
  idsOnly?: RegExp
  /** Fields the message of `body` must carry (`transaction_id` is required: it makes the key). */
  expected: Partial<TransactionMessage> & { transaction_id: string }
  /** Fixed text answer for 200s (Adyen's `[accepted]`). */
  acknowledgement?: string
  /** The security-log reason a wrong key gives (default `bad_signature`). */
  wrongKeyReason?: string
  fetch?: typeof fetch
  /** Cases that do not apply to this provider, with the reason (shown as a skipped test). */
  skip?: Partial<Record<CaseName, string>>
  /** Runs after the provider's cases (a certificate server to close). */
  close?(): void | Promise<void>
}

/** Runs one provider through the whole table. */
export function runProviderCase(c: ProviderCase): void {
  const configured = (secrets: readonly string[]): Settings => ({
    ...c.settings,
    ...c.secretSettings(secrets),
  })
  const gateway = (secrets: readonly string[] = [c.secrets.previous, c.secrets.current]): TestGateway =>
    createTestGateway(configured(secrets), c.fetch ? { fetch: c.fetch } : {})
  const now = (g: TestGateway) => Math.floor(g.clock.now / 1000)
  const send = (g: TestGateway, r: SignedRequest) => g.post(c.provider, r.body, r.headers)
  const signNow = (g: TestGateway, body = c.body, secret = c.secrets.current, offset = 0) =>
    Promise.resolve(c.sign(body, { secret, at: now(g) + offset }))
  const eventIdOf = (res: Response) => res.headers.get('txgate-event-id') ?? undefined
  const reasons = (g: TestGateway) =>
    g.logs.filter((l) => l['event'] === 'auth_failure' || l['event'] === 'replay_attempt').map((l) => l['reason'])
  const caseIt = (name: CaseName, title: string, fn: () => Promise<void>) => {
    const why = c.skip?.[name]
    if (why !== undefined) it.skip(`${title} — not applicable: ${why}`, fn)
    else it(title, fn)
  }
  const expectUnauthorized = async (g: TestGateway, res: Response, reason?: string) => {
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { code: string; request_id: string }
    // Only a timestamp outside the window is named to the caller; every other failure is `unauthorized`.
    expect(problem.code).toBe(reason === 'stale_timestamp' || reason === 'future_timestamp' ? reason : 'unauthorized')
    expect(problem.request_id).toBeTruthy()
    expect(g.publisher.records).toHaveLength(0)
    if (reason !== undefined) expect(reasons(g)).toContain(reason)
  }

  describe(`provider: ${c.provider} (signer: ${c.signer})`, () => {
    if (c.close) afterAll(() => c.close?.())

    it('accepts a correctly signed transaction event and publishes one normalized message', async () => {
      const g = gateway()
      const res = await send(g, await signNow(g))
      expect(res.status).toBe(200)
      if (c.acknowledgement !== undefined) expect(await res.text()).toBe(c.acknowledgement)
      else expect(await res.json()).toMatchObject({ duplicate: false })
      expect(g.publisher.records).toHaveLength(1)
      const [record] = g.publisher.records
      expect(record?.headers.event_id).toBe(eventIdOf(res))
      if (c.idsOnly) {
        expect(record?.topic).toBe('transactions.dlq')
        expect((record?.value as { reason: string }).reason).toMatch(c.idsOnly)
        return
      }
      expect(record?.topic).toBe('transactions.realtime')
      expect(record?.value).toMatchObject({ provider: c.provider, source: 'webhook', tenant_id: null, ...c.expected })
      expect(record?.key).toBe(`${c.provider}:${c.expected.transaction_id}`)
    })

    if (c.sdkVerify) {
      const verify = c.sdkVerify
      it("is accepted by the SDK's own verifier as signed, and refused by it tampered", async () => {
        const g = gateway()
        const signed = await signNow(g)
        expect(await verify(signed, c.secrets.current)).toBe(true)
        expect(await verify({ ...signed, body: c.tamperBody(signed.body) }, c.secrets.current)).toBe(false)
      })
    }

    caseIt('rotation', 'accepts the previous and the current secret while both are configured (rotation)', async () => {
      const g = gateway()
      expect((await send(g, await signNow(g, c.body, c.secrets.previous))).status).toBe(200)
      const other = gateway()
      expect((await send(other, await signNow(other, c.body, c.secrets.current))).status).toBe(200)
    })

    caseIt('rotated_out', 'rejects the previous secret once it is rotated out (401)', async () => {
      const g = gateway([c.secrets.current])
      await expectUnauthorized(g, await send(g, await signNow(g, c.body, c.secrets.previous)))
    })

    it('rejects a signature made with a wrong key (401 problem+json, security log, nothing published)', async () => {
      const g = gateway()
      const res = await send(g, await signNow(g, c.body, c.secrets.wrong))
      await expectUnauthorized(g, res, c.wrongKeyReason ?? 'bad_signature')
      expect(g.logs.some((l) => l['event'] === 'auth_failure' && l['provider'] === c.provider)).toBe(true)
    })

    it('rejects a tampered body (401)', async () => {
      const g = gateway()
      const signed = await signNow(g)
      const tampered = c.tamperBody(signed.body)
      expect(tampered).not.toBe(signed.body)
      await expectUnauthorized(g, await send(g, { ...signed, body: tampered }))
    })

    caseIt('tampered_signature', 'rejects a tampered signature (401 bad_signature)', async () => {
      const g = gateway()
      const signed = await signNow(g)
      const headers = { ...signed.headers }
      let body = signed.body
      const name = c.signatureHeader
      const value = name === undefined ? undefined : headerValue(headers, name)
      if (name !== undefined && value !== undefined) headers[headerKey(headers, name)] = flipLastSignatureChar(value)
      else if (c.tamperEmbeddedSignature) body = c.tamperEmbeddedSignature(body)
      else throw new Error('the case names no signature header and no tamperEmbeddedSignature')
      expect({ body, headers }).not.toEqual(signed)
      await expectUnauthorized(g, await send(g, { body, headers }), 'bad_signature')
    })

    const required = c.requiredHeaders ?? (c.signatureHeader ? [c.signatureHeader] : [])
    for (const header of required) {
      caseIt('missing_header', `rejects a request without ${header} (401 unauthorized, reason missing_header)`, async () => {
        const g = gateway()
        const signed = await signNow(g)
        const headers = Object.fromEntries(
          Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== header.toLowerCase()),
        )
        await expectUnauthorized(g, await send(g, { body: signed.body, headers }), 'missing_header')
      })
    }

    if (c.signedTime) {
      const { toleranceSec: tol, direction } = c.signedTime
      it(`rejects a timestamp older than its tolerance (${tol} s): 401 stale_timestamp`, async () => {
        const g = gateway()
        await expectUnauthorized(g, await send(g, await signNow(g, c.body, c.secrets.current, -(tol + 1))), 'stale_timestamp')
      })

      it('accepts a timestamp just inside the tolerance', async () => {
        const g = gateway()
        expect((await send(g, await signNow(g, c.body, c.secrets.current, -(tol - 1)))).status).toBe(200)
      })

      it(
        direction === 'past'
          ? 'accepts a timestamp in the future (the scheme only rejects old ones)'
          : 'rejects a timestamp further in the future than the tolerance: 401 future_timestamp',
        async () => {
          const g = gateway()
          const res = await send(g, await signNow(g, c.body, c.secrets.current, tol + 1))
          if (direction === 'past') expect(res.status).toBe(200)
          else await expectUnauthorized(g, res, 'future_timestamp')
        },
      )
    }

    caseIt('duplicate', 'answers a duplicate with the first event_id and publishes nothing more', async () => {
      const g = gateway()
      const first = await send(g, await signNow(g))
      expect(first.status).toBe(200)
      g.clock.now += 5000
      const again = await send(g, await signNow(g))
      expect(again.status).toBe(200)
      expect(eventIdOf(again)).toBe(eventIdOf(first))
      if (c.acknowledgement === undefined) expect(await again.json()).toMatchObject({ duplicate: true })
      expect(g.publisher.records).toHaveLength(1)
    })

    caseIt('concurrent_duplicates', 'publishes exactly one message for 20 concurrent copies of one event', async () => {
      const g = gateway()
      const signed = await signNow(g)
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(g, signed)))
      expect(g.publisher.records).toHaveLength(1)
      expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true)
      const ids = new Set(answers.filter((a) => a.status === 200).map(eventIdOf))
      expect(ids.size).toBe(1)
    })

    caseIt('ignored', 'answers 200 ignored for an authentic event that is not a transaction', async () => {
      const g = gateway()
      const body = c.nonTransaction(c.body)
      expect(body).not.toBe(c.body)
      const res = await send(g, await signNow(g, body))
      expect(res.status).toBe(200)
      if (c.acknowledgement === undefined) expect(await res.json()).toEqual({ ignored: true })
      expect(g.publisher.records).toHaveLength(0)
    })

    caseIt('dlq', 'sends an authentic transaction that cannot be normalized to the DLQ with the reason', async () => {
      const g = gateway()
      const body = c.unmappable(c.body)
      expect(body).not.toBe(c.body)
      const res = await send(g, await signNow(g, body))
      expect(res.status).toBe(200)
      if (c.acknowledgement === undefined) expect(await res.json()).toMatchObject({ dlq: true })
      expect(g.publisher.records).toHaveLength(1)
      const [record] = g.publisher.records
      expect(record?.topic).toBe('transactions.dlq')
      expect(record?.value).toMatchObject({ provider: c.provider })
      expect(typeof (record?.value as { reason?: unknown }).reason).toBe('string')
      expect((record?.value as { raw?: unknown }).raw).toBeTruthy()
    })

    describe('tenant route /events/{tenant}', () => {
      // acme signs with `previous`, globex with `wrong`, the default route with `current`;
      // initech has no secrets at all. Non-secret settings are shared.
      const suffixed = (tenant: string, secret: string) =>
        Object.fromEntries(Object.entries(c.secretSettings([secret])).map(([k, v]) => [`${k}__${tenant}`, v]))
      const tenants = (): TestGateway =>
        createTestGateway(
          {
            ...configured([c.secrets.current]),
            ...suffixed('ACME', c.secrets.previous),
            ...suffixed('GLOBEX', c.secrets.wrong),
          },
          c.fetch ? { fetch: c.fetch } : {},
        )
      const sendTo = (g: TestGateway, tenant: string, r: SignedRequest) => g.postTenant(c.provider, tenant, r.body, r.headers)

      it("accepts the tenant's own secret and stamps tenant_id on the message and its headers", async () => {
        const g = tenants()
        const res = await sendTo(g, 'acme', await signNow(g, c.body, c.secrets.previous))
        expect(res.status).toBe(200)
        const [record] = g.publisher.records
        expect(record?.headers['tenant_id']).toBe('acme')
        if (!c.idsOnly) {
          expect(record?.value).toMatchObject({ provider: c.provider, tenant_id: 'acme', ...c.expected })
          expect(record?.key).toBe(`${c.provider}:${c.expected.transaction_id}`)
        }
        expect(g.logs.find((l) => l['msg'] === 'request')?.['tenant']).toBe('acme')
      })

      it("refuses the default secret and another tenant's secret on a tenant route (401, no fallback)", async () => {
        const g = tenants()
        await expectUnauthorized(g, await sendTo(g, 'acme', await signNow(g, c.body, c.secrets.current)))
        await expectUnauthorized(g, await sendTo(g, 'globex', await signNow(g, c.body, c.secrets.previous)))
      })

      it('answers 404 unknown_tenant for a tenant without secrets, though the default route is configured', async () => {
        const g = tenants()
        const res = await sendTo(g, 'initech', await signNow(g, c.body, c.secrets.current))
        expect(res.status).toBe(404)
        expect(((await res.json()) as { code: string }).code).toBe('unknown_tenant')
        expect(g.publisher.records).toHaveLength(0)
      })

      caseIt('duplicate', 'keeps duplicates per tenant: the same event for two tenants is published twice, once each', async () => {
        const g = tenants()
        expect((await sendTo(g, 'acme', await signNow(g, c.body, c.secrets.previous))).status).toBe(200)
        expect((await sendTo(g, 'globex', await signNow(g, c.body, c.secrets.wrong))).status).toBe(200)
        const again = await sendTo(g, 'acme', await signNow(g, c.body, c.secrets.previous))
        expect(again.status).toBe(200)
        expect(g.publisher.records.map((r) => r.headers['tenant_id'])).toEqual(['acme', 'globex'])
      })
    })

    caseIt('unparseable', 'refuses an authentic body that is not parseable (400; 401 where the signature is inside it)', async () => {
      const g = gateway()
      const res = await send(g, await signNow(g, '{"not": "closed"'))
      expect([400, 401]).toContain(res.status)
      expect(g.publisher.records).toHaveLength(0)
    })
  })
}

// --- Internal helpers ---

function headerKey(headers: Record<string, string>, name: string): string {
  return Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return headers[headerKey(headers, name)]
}

/**
 * Changes one character of the signature, keeping the header well formed: three from the end (not
 * base64 padding, nor the last character, whose low bits a base64 decoder may ignore).
 */
export function flipLastSignatureChar(value: string): string {
  const i = Math.max(0, value.replace(/=+$/, '').length - 3)
  const ch = value[i] ?? 'a'
  const swapped = /[0-9]/.test(ch) ? (ch === '0' ? '1' : '0') : /[A-Z]/.test(ch) ? (ch === 'A' ? 'B' : 'A') : ch === 'a' ? 'b' : 'a'
  return value.slice(0, i) + swapped + value.slice(i + 1)
}
