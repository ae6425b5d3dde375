/**
 * Load from every registered provider, signed as its conformance case signs (its official SDK
 * where one can sign): `test/providers/cases/<id>.ts` gives the fixture, the signer and the
 * settings, so a provider that joins the registry joins the bench with nothing more to write.
 */
import { readdir } from 'node:fs/promises'
import { providers } from '../../providers/index.ts'
import { utf8 } from '../../src/auth/encoding.ts'
import type { ProviderCase } from '../../test/helpers/provider-suite.ts'
import type { BenchRequest } from './requests.ts'

export type LoadedCase = {
  c: ProviderCase
  /** The verifier needs a certificate or a remote call (PayPal): measured on its own row. */
  slow: boolean
}

const CASES = new URL('../../test/providers/cases/', import.meta.url)

/** The registry's providers that have a case file, in registry order. */
export async function loadCases(): Promise<LoadedCase[]> {
  const files = new Set((await readdir(CASES)).filter((f) => f.endsWith('.ts')))
  const out: LoadedCase[] = []
  for (const p of providers) {
    if (!files.has(`${p.id}.ts`)) continue
    const mod = (await import(new URL(`${p.id}.ts`, CASES).href)) as { default?: ProviderCase }
    if (!mod.default) continue
    out.push({ c: mod.default, slow: p.auth.schemes.some((s) => s.kind === 'cert-signature') })
  }
  return out
}

/** The gateway's settings: every case's secret and settings, limits and time tolerances lifted. */
export function caseSettings(cases: readonly LoadedCase[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { c } of cases) {
    const id = c.provider.toUpperCase().replace(/-/g, '_')
    for (const [k, v] of Object.entries({ ...c.settings, ...c.secretSettings([c.secrets.current]) })) {
      if (v !== undefined) out[k] = v
    }
    // The bench measures the pipeline, not the limiter's refusals; requests are signed up front,
    // so a tight tolerance (Paddle's SDK: 5 s) would turn a long run into 401s.
    out[`TXGATE_RATE_LIMIT_${id}`] = '1000000/s,burst=1000000'
    if (c.signedTime) out[`TXGATE_TOLERANCE_${id}`] = '3600'
  }
  return out
}

/**
 * A copy of the case's event that is a different event: its idempotency key's parts and its
 * transaction id change wherever they appear in the body, except the event type. `n` is digits
 * only, so an id that is a JSON number stays one: an all-digit part is replaced by `n` and its
 * index (16 digits starting with 1: below 2^53, so JSON.parse keeps it exact), any other part gets
 * `n` appended. A case whose key is not in the body (a header) signs a fresh one itself;
 * `preflight` finds the ones for which this does not work.
 */
export function vary(c: ProviderCase, n: string): string {
  const parts = new Set([c.expected.transaction_id, ...String(c.expected.idempotency_key ?? '').split(':')])
  parts.delete(String(c.expected.event_type)) // Adyen's key is `psp:EVENTCODE`: the type must stay
  let body = c.body
  let k = 0
  for (const part of parts) {
    if (part.length < 4) continue
    body = body.split(part).join(/^\d+$/.test(part) ? `${n}${k++ % 10}` : `${part}${n}`)
  }
  return body
}

/** 15 digits, the first non-zero: 7 from the seed (it holds the run's time), 7 from the index. */
function digitSuffix(seed: string, i: number): string {
  const h = [...seed].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) % 10_000_000, 7)
  return `1${String(h).padStart(7, '0')}${String(i % 10_000_000).padStart(7, '0')}`
}

/** `n` requests round-robin over `cases`, a share `dup` repeated, a share `bad` signed with the wrong key. */
export async function buildCaseRequests(
  n: number,
  cases: readonly LoadedCase[],
  mix: { dup: number; bad: number },
  seed: string,
): Promise<BenchRequest[]> {
  const at = Math.floor(Date.now() / 1000)
  const out: BenchRequest[] = []
  const fresh: BenchRequest[] = []
  let x = [...seed].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7)
  const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32
  for (let i = 0; i < n; i++) {
    const r = rand()
    if (r < mix.dup && fresh.length > 0) {
      out.push({ ...(fresh[Math.floor(rand() * fresh.length)] as BenchRequest), kind: 'dup' })
      continue
    }
    const { c } = cases[i % cases.length] as LoadedCase
    const bad = r < mix.dup + mix.bad
    const signed = await c.sign(vary(c, digitSuffix(seed, i)), {
      secret: bad ? c.secrets.wrong : c.secrets.current,
      at,
    })
    const req: BenchRequest = {
      provider: c.provider,
      body: utf8(signed.body),
      headers: { 'content-type': 'application/json', ...signed.headers },
      kind: bad ? 'bad' : 'new',
    }
    out.push(req)
    if (!bad) fresh.push(req)
  }
  return out
}

export async function closeCases(cases: readonly LoadedCase[]): Promise<void> {
  for (const { c } of cases) await c.close?.()
}

/**
 * Before the clock starts: three varied events per provider through an in-process gateway. A
 * provider whose copies are refused, or are taken as duplicates (its `vary` missed the key), would
 * measure something else than the full path: it is named, and left out of the load.
 */
export async function preflight(cases: readonly LoadedCase[]): Promise<{ ok: LoadedCase[]; failed: string[] }> {
  const { createTestGateway } = await import('../../test/helpers/app.ts')
  const ok: LoadedCase[] = []
  const failed: string[] = []
  for (const l of cases) {
    const g = createTestGateway(caseSettings([l]))
    g.clock.now = Date.now()
    const reqs = await buildCaseRequests(3, [l], { dup: 0, bad: 0 }, 'preflight')
    const statuses: number[] = []
    for (const r of reqs) statuses.push((await g.post(r.provider, new TextDecoder().decode(r.body), r.headers)).status)
    // An ids-only provider's full path ends in the DLQ (Mercado Pago: nothing to normalize).
    const published = g.publisher.records.filter((x) => (x.topic === 'transactions.dlq') === (l.c.idsOnly !== undefined)).length
    if (statuses.every((s) => s === 200) && published === 3) ok.push(l)
    else failed.push(`${l.c.provider} (statuses ${statuses.join(',')}, ${published}/3 published)`)
  }
  return { ok, failed }
}
