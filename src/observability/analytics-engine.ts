/**
 * @module Workers Analytics Engine as a second sink for request metrics: when the Worker has a
 * dataset bound, each request's outcome and duration is also written there as one data point,
 * so a fleet of isolates (each with its own in-memory registry) can be queried as a whole.
 */
import type { Metrics } from './metrics.ts'

/** https://developers.cloudflare.com/analytics/analytics-engine/get-started/ */
export type AnalyticsEngineDataset = {
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void
}

/** The binding name looked up in the Worker's env. */
export const ANALYTICS_BINDING = 'TXGATE_ANALYTICS'

export function isAnalyticsDataset(v: unknown): v is AnalyticsEngineDataset {
  return (
    typeof v === 'object' && v !== null && typeof Reflect.get(v, 'writeDataPoint') === 'function'
  )
}

/**
 * `metrics`, with every `txgate_requests_total` count also written to `dataset`, joined with the
 * request's duration (observed just after it by the request middleware):
 * blobs [provider, outcome, reason], doubles [duration_seconds], index provider.
 * Query: SELECT blob1 AS provider, blob2 AS outcome, SUM(_sample_interval) ... FROM <dataset>.
 */
export function withAnalyticsEngine(metrics: Metrics, dataset: AnalyticsEngineDataset): Metrics {
  if (!metrics.enabled) return metrics
  // The request middleware counts a request and observes its duration in the same synchronous
  // step, so the count waiting here is always that request's.
  let pending: string[] | undefined
  return {
    ...metrics,
    count(name, labels, by) {
      metrics.count(name, labels, by)
      if (name !== 'txgate_requests_total') return
      const l: Readonly<Record<string, string | undefined>> = labels ?? {}
      pending = [l['provider'] ?? 'none', l['outcome'] ?? 'other', l['reason'] ?? '']
    },
    observe(name, labels, value) {
      metrics.observe(name, labels, value)
      if (name !== 'txgate_request_duration_seconds' || !pending) return
      const blobs = pending
      pending = undefined
      try {
        dataset.writeDataPoint({ blobs, doubles: [value], indexes: [blobs[0] ?? 'none'] })
      } catch {
        // Analytics are best effort: a failing write never fails a request.
      }
    },
  }
}
