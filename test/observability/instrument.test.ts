import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import type { Deps } from '../../src/deps.ts'
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
