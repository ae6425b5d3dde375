import { describe, expect, it } from 'vitest'
import { createUnitWriter, portableTextSink, unitRecord } from '../../src/batch/encode-unit.ts'
import { loadConfig } from '../../src/config.ts'
import type { Deps } from '../../src/deps.ts'
import { createActivity } from '../../src/observability/activity.ts'
import { instrumentPublisher } from '../../src/observability/instrument.ts'
import { createLogger } from '../../src/observability/log.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { observeDeps } from '../../src/observability/observe-deps.ts'
import { toPrometheusText } from '../../src/observability/prometheus-text.ts'
import { createRegistry } from '../../src/provider/registry.ts'
import type { ClaimResult, LimitResult, Store } from '../../src/store/types.ts'
import { createRecordingPublisher } from '../helpers/fakes.ts'
import { parseSamples, valueOf } from './exposition.ts'

const rule = { ratePerSec: 10, burst: 10 }
const down: ClaimResult = { state: 'unavailable', reason: 'timeout' }
const openLimit: LimitResult = {
  ok: true,
  limit: 10,
  remaining: 0,
  resetSec: 0,
  retryAfterSec: 0,
  reason: 'timeout',
}

/** One backend answering as both ports, like one Redis client; it has not answered in time. */
function slowRedis() {
  const calls: string[] = []
  const backend = {
    kind: 'redis',
    shared: true,
    async claim() {
      calls.push('claim')
      return down
    },
    async commit() {
      throw new Error('connection reset')
    },
    async release() {},
    async ping() {
      return { ok: false, kind: 'redis' }
    },
    async take() {
      calls.push('take')
      return openLimit
    },
    async limitAndClaim() {
      calls.push('limitAndClaim')
      return { limit: openLimit, claims: [down] }
    },
  }
  return { backend, calls }
}

function deps(backend: object): Deps {
  return {
    config: loadConfig({}),
    settings: {},
    registry: createRegistry([]),
    store: backend as Store,
    limiter: backend as Deps['limiter'],
    publisher: createRecordingPublisher(),
    clock: Date.now,
    fetch,
    log: createLogger('silent', () => {}, Date.now),
    metrics: createMetrics(),
  }
}

describe('observability: counted ports', () => {
  it('keeps one backend serving both ports one object, so the single round trip is still used', async () => {
    const { backend, calls } = slowRedis()
    const d = observeDeps(deps(backend))
    expect(d.store).toBe(d.limiter)
    const combined = d.store as unknown as { limitAndClaim(...a: unknown[]): Promise<unknown> }
    expect(typeof combined.limitAndClaim).toBe('function')
    await combined.limitAndClaim(
      { key: 'rl:x', rule, nowMs: 0 },
      [{ key: 'idem:x', eventId: 'e' }],
      1000,
    )
    expect(calls).toEqual(['limitAndClaim'])
    const s = parseSamples(toPrometheusText(await d.metrics.collect()))
    expect(valueOf(s, 'txgate_store_calls_total', { store: 'redis', op: 'limit_and_claim' })).toBe(
      1,
    )
    // The limit and the claim both did not answer in time.
    expect(
      valueOf(s, 'txgate_store_errors_total', {
        store: 'redis',
        op: 'limit_and_claim',
        reason: 'timeout',
      }),
    ).toBe(2)
  })

  it('counts calls, answers that did not come and thrown errors per operation', async () => {
    const { backend } = slowRedis()
    const d = observeDeps(deps(backend))
    await d.store.claim('idem:x', 'e', 1000)
    await d.limiter.take('rl:x', rule, 0)
    await expect(
      d.store.commit('idem:x', { event_id: 'e', outcome: 'published' }, 1000),
    ).rejects.toThrow('connection reset')
    const s = parseSamples(toPrometheusText(await d.metrics.collect()))
    expect(valueOf(s, 'txgate_store_calls_total', { store: 'redis', op: 'claim' })).toBe(1)
    expect(valueOf(s, 'txgate_store_calls_total', { store: 'redis', op: 'limit' })).toBe(1)
    expect(
      valueOf(s, 'txgate_store_errors_total', { store: 'redis', op: 'claim', reason: 'timeout' }),
    ).toBe(1)
    expect(
      valueOf(s, 'txgate_store_errors_total', { store: 'redis', op: 'limit', reason: 'timeout' }),
    ).toBe(1)
    expect(
      valueOf(s, 'txgate_store_errors_total', { store: 'redis', op: 'commit', reason: 'error' }),
    ).toBe(1)
  })

  it('reads the breaker and spool gauges from the publisher at each scrape', async () => {
    let state = 'closed'
    const publisher = Object.assign(createRecordingPublisher(), {
      kind: 'kafka',
      state: () => ({ breaker: { state }, spool: { pending_bytes: 2048, max_bytes: 4096 } }),
    })
    const d = observeDeps({ ...deps(slowRedis().backend), publisher })
    let s = parseSamples(toPrometheusText(await d.metrics.collect()))
    expect(valueOf(s, 'txgate_breaker_state', { publisher: 'kafka' })).toBe(0)
    expect(valueOf(s, 'txgate_spool_bytes')).toBe(2048)
    state = 'open'
    s = parseSamples(toPrometheusText(await d.metrics.collect()))
    expect(valueOf(s, 'txgate_breaker_state', { publisher: 'kafka' })).toBe(2)
  })
})

describe('the dashboard hears of batch DLQ records too', () => {
  it('notes the reason of a DLQ record that arrives encoded (the batch path: bad rows)', async () => {
    const activity = createActivity(() => Date.UTC(2026, 10, 22))
    const publisher = instrumentPublisher(createRecordingPublisher(), createMetrics(), activity, 'transactions.dlq')
    const ctx = { provider: 'acme', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', topics: { batch: 'transactions.batch', dlq: 'transactions.dlq' } }
    const w = createUnitWriter(ctx, 1, portableTextSink)
    w.dlq({
      schema_version: '1.0',
      event_id: '01a2027a-ec68-7052-9aad-17f60c81fee0',
      failed_at: '2026-11-22T12:00:00.000Z',
      provider: 'acme',
      source: 'batch',
      event_type: null,
      idempotency_key: null,
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      reason: 'unknown ISO 4217 currency "XXX"',
      raw: { TXN_ID: 'T1', CCY: 'XXX' },
      location: { file: 'day.csv', line: 3 },
    })
    await publisher.publish([unitRecord(w.finish(), 0, ctx)])
    expect(activity.snapshot().dlq).toEqual([
      expect.objectContaining({ provider: 'acme', source: 'batch', reason: 'unknown ISO 4217 currency "XXX"' }),
    ])
  })
})
