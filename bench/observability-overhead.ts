/**
 * The cost of metrics and logging alone, in process: the full webhook path of the app (verify,
 * limit, claim, normalize, commit) through `app.request`, with a publisher that only discards, so
 * neither the network nor fsync hides it. Variants alternate; medians and the on/off ratio print.
 *
 *   node --import tsx bench/observability-overhead.ts [--n 20000] [--rounds 4]
 *
 * on: TXGATE_METRICS on, LOG_LEVEL=info (one request line per request, redacted) to a counting
 * sink; off: TXGATE_METRICS=off, LOG_LEVEL=silent. bench/load.ts --overhead measures the same
 * over HTTP against the real entry.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import Stripe from 'stripe'
import { providers } from '../providers/index.ts'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/observability/log.ts'
import { secretValues } from '../src/observability/redact.ts'
import { createRegistry } from '../src/provider/registry.ts'
import { createMemoryLimiter, createMemoryStore } from '../src/store/memory.ts'
import { discardPublisher } from './lib/report.ts'

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '4' } },
})
const N = Number(args.n)
const SECRET = 'whsec_observability_overhead'
const fixture = await readFile(
  new URL('../../shared/fixtures/provider-events/stripe.json', import.meta.url),
  'utf8',
)
const at = Math.floor(Date.now() / 1000)
const requests = Array.from({ length: N }, (_, i) => {
  const body = fixture.replace(/"id": "evt_[^"]+"/, `"id": "evt_overhead_${i}"`)
  return {
    body,
    sig: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: at }),
  }
})

async function run(on: boolean): Promise<number> {
  const settings = {
    STRIPE_WEBHOOK_SECRET: SECRET,
    TXGATE_RATE_LIMIT_STRIPE: '1000000/s,burst=1000000',
    ...(on ? {} : { TXGATE_METRICS: 'off' }),
  }
  let logged = 0
  const app = createApp({
    config: loadConfig(settings),
    settings,
    registry: createRegistry(providers),
    store: createMemoryStore(Date.now),
    limiter: createMemoryLimiter(),
    publisher: discardPublisher,
    clock: Date.now,
    fetch,
    log: createLogger(on ? 'info' : 'silent', (line) => void (logged += line.length), Date.now, {
      secrets: secretValues(settings),
    }),
  })
  const started = performance.now()
  for (const r of requests) {
    const res = await app.request('/webhooks/v1/stripe/events', {
      method: 'POST',
      body: r.body,
      headers: { 'content-type': 'application/json', 'stripe-signature': r.sig },
    })
    if (res.status !== 200) throw new Error(`unexpected ${res.status}`)
  }
  return N / ((performance.now() - started) / 1000)
}

const rates = { on: [] as number[], off: [] as number[] }
for (let round = 0; round < Number(args.rounds); round++) {
  for (const on of round % 2 === 0 ? [false, true] : [true, false])
    rates[on ? 'on' : 'off'].push(await run(on))
}
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN
console.table({
  'metrics+logs on': {
    'req/s (median)': Math.round(median(rates.on)),
    runs: rates.on.map(Math.round).join(' '),
  },
  'metrics+logs off': {
    'req/s (median)': Math.round(median(rates.off)),
    runs: rates.off.map(Math.round).join(' '),
  },
})
console.log(`ratio on/off: ${(median(rates.on) / median(rates.off)).toFixed(3)} (1.000 = free)`)
