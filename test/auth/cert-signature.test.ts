import { randomUUID } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { verifyCertSignature } from '../../src/auth/cert-signature.ts'
import { utf8 } from '../../src/auth/encoding.ts'
import { certSignature } from '../../src/auth/schemes.ts'
import type { RequestToVerify, VerifyOutcome } from '../../src/auth/types.ts'
import type { Settings } from '../../src/config.ts'
import { createVerifyEnv } from '../../src/pipeline/verify-env.ts'
import { serveCerts } from '../helpers/cert-server.ts'
import { createRoot, issue, pemChain, signRsaSha256, type KeyedCert } from '../helpers/test-ca.ts'

// PayPal has no SDK signer (its private key signs; providers.md), so these tests run their own
// CA and sign the way PayPal-Java-SDK Event.validateReceivedEvent verifies.
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
const HOUR = 3600_000
const HEADERS = {
  id: 'paypal-transmission-id',
  time: 'paypal-transmission-time',
  signature: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  algorithm: 'paypal-auth-algo',
}
const DEFAULT_PREFIX = 'https://certs.example.test/v1/certs/'
const scheme = certSignature({
  headers: HEADERS,
  webhookId: 'WEBHOOK_ID',
  certUrlPrefixes: { env: 'CERT_PREFIXES', defaults: [DEFAULT_PREFIX] },
  trustedCa: { env: 'TRUSTED_CA', defaults: [] },
  subjectCn: /^messageverificationcerts.*\.paypal\.com$/,
  toleranceSec: 300,
})
const BODY = '{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"C1"}}'

const server = await serveCerts()
afterAll(() => server.close())
const root = await createRoot()
const intermediate = await issue(root, { cn: 'txgate test intermediate', ca: true })
const leaf = await issue(intermediate, { cn: 'messageverificationcerts.paypal.com' })

let paths = 0
/** Serves `pem` at a fresh path (verified certs are cached per URL) and returns its URL. */
function serve(pem: string): string {
  const path = `/certs/c${++paths}`
  server.routes.set(path, pem)
  return server.base + path
}

type SignOptions = {
  certUrl: string
  signer?: KeyedCert
  body?: string
  webhookId?: string
  at?: number
  headers?: Record<string, string>
}

/** A request signed as PayPal does: RSA-SHA256 over `id|time|webhookId|crc32(body)`. */
async function signed(o: SignOptions): Promise<RequestToVerify> {
  const id = randomUUID()
  const at = o.at ?? NOW
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const body = o.body ?? BODY
  const crc = zlibCrc32(Buffer.from(body)) // an independent CRC-32 (zlib), not ours
  const sig = await signRsaSha256(
    o.signer ?? leaf,
    `${id}|${time}|${o.webhookId ?? 'WH-ID-1'}|${crc}`,
  )
  const headers = new Headers({
    [HEADERS.id]: id,
    [HEADERS.time]: time,
    [HEADERS.signature]: sig,
    [HEADERS.certUrl]: o.certUrl,
    [HEADERS.algorithm]: 'SHA256withRSA',
    ...o.headers,
  })
  return { body: utf8(body), headers, url: 'http://gateway.test/', now: at }
}

function verify(req: RequestToVerify, settings: Settings = {}, fetchImpl: typeof fetch = fetch) {
  const env = createVerifyEnv(
    {
      WEBHOOK_ID: 'WH-ID-1',
      CERT_PREFIXES: `${server.base}/certs/`,
      TRUSTED_CA: root.pem,
      ...settings,
    },
    fetchImpl,
    undefined,
  )
  return verifyCertSignature(scheme, req, env)
}

const reason = (o: VerifyOutcome) => (o.ok ? 'ok' : o.error.reason)
const goodUrl = serve(pemChain(leaf, intermediate))

describe('auth: cert-signature (signature and headers)', () => {
  it('accepts a leaf that chains through an intermediate to the trusted root', async () => {
    expect(reason(await verify(await signed({ certUrl: goodUrl })))).toBe('ok')
  })

  it('accepts a served chain that also carries the root itself', async () => {
    const url = serve(pemChain(leaf, intermediate, root))
    expect(reason(await verify(await signed({ certUrl: url })))).toBe('ok')
  })

  it('accepts any one of several configured webhook ids and refuses an unlisted one', async () => {
    const settings = { WEBHOOK_ID: 'WH-OLD, WH-NEW' }
    const old = await signed({ certUrl: goodUrl, webhookId: 'WH-OLD' })
    expect(reason(await verify(old, settings))).toBe('ok')
    const other = await signed({ certUrl: goodUrl, webhookId: 'WH-OTHER' })
    expect(reason(await verify(other, settings))).toBe('bad_signature')
  })

  it('rejects a body changed after signing (its CRC-32 is what is signed)', async () => {
    const req = await signed({ certUrl: goodUrl })
    expect(reason(await verify({ ...req, body: utf8(BODY.replace('C1', 'C2')) }))).toBe(
      'bad_signature',
    )
  })

  it('rejects a signature made by a key other than the certificate’s', async () => {
    const other = await issue(intermediate, { cn: 'messageverificationcerts.paypal.com' })
    expect(reason(await verify(await signed({ certUrl: goodUrl, signer: other })))).toBe(
      'bad_signature',
    )
  })

  it('rejects an auth algo other than SHA256withRSA without fetching anything', async () => {
    const url = serve(pemChain(leaf, intermediate))
    const req = await signed({ certUrl: url, headers: { [HEADERS.algorithm]: 'SHA1withRSA' } })
    expect(reason(await verify(req))).toBe('malformed_header')
    expect(server.hits.get(new URL(url).pathname)).toBeUndefined()
  })

  it('rejects a request missing any one of the five headers', async () => {
    for (const name of Object.values(HEADERS)) {
      const req = await signed({ certUrl: goodUrl })
      req.headers.delete(name)
      expect(reason(await verify(req)), name).toBe('missing_header')
    }
  })

  it('rejects a transmission time outside ±300 s before fetching the certificate', async () => {
    const url = serve(pemChain(leaf, intermediate))
    const stale = await signed({ certUrl: url, at: NOW - 301_000 })
    const future = await signed({ certUrl: url, at: NOW + 301_000 })
    expect(reason(await verify({ ...stale, now: NOW }))).toBe('stale_timestamp')
    expect(reason(await verify({ ...future, now: NOW }))).toBe('future_timestamp')
    expect(server.hits.get(new URL(url).pathname)).toBeUndefined()
  })
})

describe('auth: cert-signature (certificate URL allow-list)', () => {
  it('refuses URLs outside the allowed prefixes and never fetches them', async () => {
    const before = server.total()
    const port = new URL(server.base).port
    const refused = [
      `${server.base}/other/c1`,
      `${server.base}/certs/../other/c1`,
      `${server.base}/certs/%2e%2e/other/c1`,
      `${server.base}/certs/c1?x=1`,
      `http://user@127.0.0.1:${port}/certs/c1`,
      `http://127.0.0.1:${port}\\@evil.test/certs/c1`,
      `HTTP://127.0.0.1:${port}/certs/c1`,
    ]
    for (const url of refused) {
      expect(reason(await verify(await signed({ certUrl: url }))), url).toBe('untrusted_cert_url')
    }
    expect(server.total()).toBe(before)
  })

  it('keeps a prefix to its origin, so a look-alike host does not pass', async () => {
    const calls: string[] = []
    const spy: typeof fetch = async (input) => {
      calls.push(String(input))
      return new Response('', { status: 404 })
    }
    const req = await signed({ certUrl: 'http://127.0.0.1.evil.test/certs/c1' })
    expect(reason(await verify(req, { CERT_PREFIXES: 'http://127.0.0.1' }, spy))).toBe(
      'untrusted_cert_url',
    )
    expect(calls).toEqual([])
  })

  it('uses the scheme’s default https prefixes when none are configured', async () => {
    const calls: string[] = []
    const fake: typeof fetch = async (input) => {
      calls.push(String(input))
      return new Response(pemChain(leaf, intermediate))
    }
    const settings = { CERT_PREFIXES: undefined }
    const ok = await signed({ certUrl: `${DEFAULT_PREFIX}CERT-1` })
    expect(reason(await verify(ok, settings, fake))).toBe('ok')
    const plain = await signed({ certUrl: 'http://certs.example.test/v1/certs/CERT-1' })
    expect(reason(await verify(plain, settings, fake))).toBe('untrusted_cert_url')
    expect(calls).toEqual([`${DEFAULT_PREFIX}CERT-1`])
  })
})

describe('auth: cert-signature (certificate chain)', () => {
  it('rejects a chain that ends at an untrusted root', async () => {
    const otherRoot = await createRoot('someone else')
    const otherInt = await issue(otherRoot, { cn: 'txgate test intermediate', ca: true })
    const otherLeaf = await issue(otherInt, { cn: 'messageverificationcerts.paypal.com' })
    const url = serve(pemChain(otherLeaf, otherInt, otherRoot))
    expect(reason(await verify(await signed({ certUrl: url, signer: otherLeaf })))).toBe(
      'bad_certificate',
    )
  })

  it('rejects a leaf issued by an end-entity certificate of the trusted root (not a CA)', async () => {
    // Anyone can buy such a certificate; with or without a keyUsage it must not issue others.
    for (const keyUsage of [true, false]) {
      const endEntity = await issue(root, { cn: 'shop.example.test', keyUsage })
      const forged = await issue(endEntity, { cn: 'messageverificationcerts.paypal.com' })
      const url = serve(pemChain(forged, endEntity))
      const outcome = await verify(await signed({ certUrl: url, signer: forged }))
      expect(reason(outcome), `keyUsage: ${keyUsage}`).toBe('bad_certificate')
    }
  })

  it('rejects a leaf whose subject CN is not messageverificationcerts*.paypal.com', async () => {
    for (const cn of ['www.paypal.com', 'messageverificationcerts.paypal.com.evil.test']) {
      const wrong = await issue(intermediate, { cn })
      const url = serve(pemChain(wrong, intermediate))
      expect(reason(await verify(await signed({ certUrl: url, signer: wrong }))), cn).toBe(
        'bad_certificate',
      )
    }
  })

  it('rejects an expired leaf, an expired intermediate and a leaf not yet valid', async () => {
    const expiredLeaf = await issue(intermediate, {
      cn: 'messageverificationcerts.paypal.com',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2026-01-01T00:00:00Z'),
    })
    const oldInt = await issue(root, {
      cn: 'old intermediate',
      ca: true,
      notAfter: new Date(NOW - HOUR),
    })
    const underOld = await issue(oldInt, { cn: 'messageverificationcerts.paypal.com' })
    const early = await issue(intermediate, {
      cn: 'messageverificationcerts.paypal.com',
      notBefore: new Date(NOW + HOUR),
    })
    for (const [signer, chain] of [
      [expiredLeaf, pemChain(expiredLeaf, intermediate)],
      [underOld, pemChain(underOld, oldInt)],
      [early, pemChain(early, intermediate)],
    ] as const) {
      const url = serve(chain)
      expect(reason(await verify(await signed({ certUrl: url, signer })))).toBe('bad_certificate')
    }
  })

  it('judges validity at each receipt time, also for a chain served from the cache', async () => {
    const window = await issue(intermediate, {
      cn: 'messageverificationcerts.paypal.com',
      notBefore: new Date(NOW + HOUR),
      notAfter: new Date(NOW + 3 * HOUR),
    })
    const url = serve(pemChain(window, intermediate))
    const at = (t: number) => signed({ certUrl: url, signer: window, at: t })
    expect(reason(await verify(await at(NOW)))).toBe('bad_certificate')
    expect(reason(await verify(await at(NOW + 2 * HOUR)))).toBe('ok')
    expect(server.hits.get(new URL(url).pathname)).toBe(1)
    expect(reason(await verify(await at(NOW + 4 * HOUR)))).toBe('bad_certificate')
  })

  it('does not reuse a chain verified under other trust anchors', async () => {
    const otherRoot = await createRoot('other anchors')
    const req = await signed({ certUrl: goodUrl })
    expect(reason(await verify(req))).toBe('ok')
    expect(reason(await verify(req, { TRUSTED_CA: otherRoot.pem }))).toBe('bad_certificate')
  })

  it('reads several trust anchors, with literal \\n as env files write them', async () => {
    const otherRoot = await createRoot('first anchor')
    const anchors = `${otherRoot.pem}\n${root.pem}`.replace(/\n/g, '\\n')
    const url = serve(pemChain(leaf, intermediate))
    expect(reason(await verify(await signed({ certUrl: url }), { TRUSTED_CA: anchors }))).toBe('ok')
  })
})

describe('auth: cert-signature (fetching and caching)', () => {
  it('fetches a certificate once for many requests, sequential or concurrent', async () => {
    const url = serve(pemChain(leaf, intermediate))
    const path = new URL(url).pathname
    const requests = await Promise.all(Array.from({ length: 20 }, () => signed({ certUrl: url })))
    const outcomes = await Promise.all(requests.map((r) => verify(r)))
    expect(outcomes.every((o) => o.ok)).toBe(true)
    for (const r of requests.slice(0, 5)) expect(reason(await verify(r))).toBe('ok')
    expect(server.hits.get(path)).toBe(1)
  })

  it('fetches at most TXGATE_CERT_FETCHES_PER_MINUTE new certificate URLs a minute', async () => {
    // A time of its own, so the other tests' fetches are not in this minute.
    const at = NOW + 1000 * HOUR
    const budget = { TXGATE_CERT_FETCHES_PER_MINUTE: '2' }
    const urls = [1, 2, 3].map(() => serve(pemChain(leaf, intermediate)))
    const outcomes = []
    for (const certUrl of urls) outcomes.push(reason(await verify(await signed({ certUrl, at }), budget)))
    expect(outcomes).toEqual(['ok', 'ok', 'bad_certificate'])
    expect(server.hits.get(new URL(urls[2]!).pathname)).toBeUndefined()
    // Cached chains still verify while the budget is spent; a minute later the third is fetched.
    expect(reason(await verify(await signed({ certUrl: urls[0]!, at: at + 1000 }), budget))).toBe('ok')
    expect(reason(await verify(await signed({ certUrl: urls[2]!, at: at + 61_000 }), budget))).toBe('ok')
    expect(server.hits.get(new URL(urls[2]!).pathname)).toBe(1)
  })

  it('answers bad_certificate when the cert URL fails, and fetches again on the retry', async () => {
    const path = `/certs/flaky-${++paths}`
    server.routes.set(path, (res) => res.writeHead(503).end())
    const req = await signed({ certUrl: server.base + path })
    expect(reason(await verify(req))).toBe('bad_certificate')
    server.routes.set(path, pemChain(leaf, intermediate))
    expect(reason(await verify(req))).toBe('ok')
    expect(server.hits.get(path)).toBe(2)
  })

  it('answers bad_certificate when the cert host is unreachable', async () => {
    const closed = await serveCerts()
    const prefix = `${closed.base}/certs/`
    await closed.close()
    const req = await signed({ certUrl: `${prefix}c1` })
    expect(reason(await verify(req, { CERT_PREFIXES: prefix }))).toBe('bad_certificate')
  })

  it('does not follow a redirect away from the allowed URL', async () => {
    const target = serve(pemChain(leaf, intermediate))
    const path = `/certs/redirect-${++paths}`
    server.routes.set(path, (res) => res.writeHead(302, { location: target }).end())
    expect(reason(await verify(await signed({ certUrl: server.base + path })))).toBe(
      'bad_certificate',
    )
    expect(server.hits.get(new URL(target).pathname)).toBeUndefined()
  })

  it('refuses a certificate response over 64 KiB, with or without a length', async () => {
    const padding = '#'.repeat(70 * 1024)
    const sized = serve(pemChain(leaf, intermediate) + padding)
    const path = `/certs/chunked-${++paths}`
    server.routes.set(path, (res) => {
      res.writeHead(200) // no content-length: chunked
      res.write(pemChain(leaf, intermediate))
      res.end(padding)
    })
    for (const url of [sized, server.base + path]) {
      expect(reason(await verify(await signed({ certUrl: url }))), url).toBe('bad_certificate')
    }
  })

  it('rejects an answer that is not a PEM certificate chain', async () => {
    const url = serve('<html>not a certificate</html>')
    expect(reason(await verify(await signed({ certUrl: url })))).toBe('bad_certificate')
  })
})
