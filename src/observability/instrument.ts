/**
 * @module Counting wrappers around the Store, Limiter and Publisher ports: calls, errors (thrown
 * or "did not answer"), publish results and batch sizes, for every path that uses the ports.
 * Fail-open decisions are counted where they are made (admission), not here.
 */
import type { RateLimitRule } from '../provider/types.ts'
import { isEncoded, valueJson } from '../publish/encode.ts'
import type { KafkaRecord, OutboundRecord, Publisher } from '../publish/types.ts'
import type { ClaimResult, Limiter, LimitResult, Store } from '../store/types.ts'
import type { Activity } from './activity.ts'
import type { Metrics } from './metrics.ts'

type StoreOp = 'claim' | 'commit' | 'release' | 'limit' | 'limit_and_claim'

export function instrumentStore(store: Store, metrics: Metrics): Store {
  const labels = (op: StoreOp) => ({ store: store.kind, op })
  const counted =
    <A extends unknown[], R>(op: StoreOp, fn: (...a: A) => Promise<R>, inspect?: (r: R) => void) =>
    async (...args: A): Promise<R> => {
      metrics.count('txgate_store_calls_total', labels(op))
      let r: R
      try {
        r = await fn(...args)
      } catch (err) {
        metrics.count('txgate_store_errors_total', { ...labels(op), reason: 'error' })
        throw err
      }
      inspect?.(r)
      return r
    }
  const claimAnswer = (op: StoreOp) => (r: ClaimResult) => {
    if (r.state === 'unavailable')
      metrics.count('txgate_store_errors_total', { ...labels(op), reason: r.reason })
  }
  const overrides: Overrides = {
    claim: counted('claim', store.claim.bind(store), claimAnswer('claim')),
    commit: counted('commit', store.commit.bind(store)),
    release: counted('release', store.release.bind(store)),
  }
  // Offered by a store that is also the limiter: the limit and the claims in one round trip.
  const combined = (store as Combined).limitAndClaim
  if (combined) {
    overrides['limitAndClaim'] = counted(
      'limit_and_claim',
      (...a: never[]) => combined.apply(store, a),
      (r) => {
        limitAnswer(metrics, labels('limit_and_claim'), r.limit)
        r.claims.forEach(claimAnswer('limit_and_claim'))
      },
    )
  }
  return overlay(store, overrides)
}

export function instrumentLimiter(limiter: Limiter, metrics: Metrics): Limiter {
  const labels = { store: limiter.kind, op: 'limit' } as const
  return overlay(limiter, {
    async take(key: string, rule: RateLimitRule, nowMs: number) {
      metrics.count('txgate_store_calls_total', labels)
      try {
        const r = await limiter.take(key, rule, nowMs)
        limitAnswer(metrics, labels, r)
        return r
      } catch (err) {
        metrics.count('txgate_store_errors_total', { ...labels, reason: 'error' })
        throw err
      }
    },
  })
}

/** Also notes every DLQ record durably published (its reason) for the dashboard. */
export function instrumentPublisher(
  publisher: Publisher,
  metrics: Metrics,
  activity: Activity,
  dlqTopic: string,
): Publisher {
  return overlay(publisher, {
    async publish(...args: Parameters<Publisher['publish']>) {
      const [records] = args
      const kind = publisher.kind
      metrics.observe('txgate_publish_batch_size', { publisher: kind }, records.length)
      try {
        await publisher.publish(...args)
      } catch (err) {
        metrics.count('txgate_publish_total', { publisher: kind, result: 'error' })
        countRecords(metrics, kind, records, 'error')
        throw err
      }
      metrics.count('txgate_publish_total', { publisher: kind, result: 'ok' })
      countRecords(metrics, kind, records, 'ok')
      for (const r of records) {
        if (r.topic !== dlqTopic) continue
        // A batch DLQ record arrives as JSON (few do: bad rows); read before this publish returns,
        // as its buffer is reused after.
        const v = isEncoded(r) ? (JSON.parse(valueJson(r)) as KafkaRecord['value']) : r.value
        if (!('reason' in v)) continue
        activity.dlq({
          provider: v.provider,
          source: v.source,
          event_type: v.event_type ?? '',
          reason: v.reason,
        })
      }
    },
  })
}

// --- Internal helpers ---

type Overrides = Record<string, unknown>
type Combined = {
  limitAndClaim?: (
    ...args: never[]
  ) => Promise<{ limit: LimitResult; claims: readonly ClaimResult[] }>
}

/** The port with some methods replaced; everything else (kind, state(), …) reads through. */
function overlay<T extends object>(target: T, overrides: Overrides): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop]
      const v: unknown = Reflect.get(t, prop, receiver)
      return typeof v === 'function' ? v.bind(t) : v
    },
  })
}

function limitAnswer(
  metrics: Metrics,
  labels: { store: string; op: StoreOp },
  r: LimitResult,
): void {
  if (r.reason === undefined) return
  metrics.count('txgate_store_errors_total', { ...labels, reason: r.reason })
}

function countRecords(
  metrics: Metrics,
  publisher: string,
  records: readonly OutboundRecord[],
  result: 'ok' | 'error',
): void {
  if (records.length === 1 && records[0]) {
    metrics.count('txgate_publish_records_total', { publisher, topic: records[0].topic, result })
    return
  }
  const byTopic = new Map<string, number>()
  for (const r of records) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1)
  for (const [topic, n] of byTopic)
    metrics.count('txgate_publish_records_total', { publisher, topic, result }, n)
}
