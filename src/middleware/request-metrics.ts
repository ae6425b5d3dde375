/** @module Counts every ingestion request by provider and outcome and times it end to end. */
import type { MiddlewareHandler } from 'hono'
import { outcomeLabel } from '../observability/audit.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Registry } from '../provider/registry.ts'
import type { AppEnv } from './request-context.ts'

// Probes and the operator's own pages are not traffic.
const NOT_TRAFFIC = /^\/(?:health|ready|metrics|dashboard)(?:\/|$)/

export function requestMetrics(metrics: Metrics, registry: Registry): MiddlewareHandler<AppEnv> {
  return async function requestMetricsMiddleware(c, next) {
    if (!metrics.enabled) return next()
    const started = performance.now()
    await next()
    if (NOT_TRAFFIC.test(c.req.path)) return
    const id = c.get('providerId')
    // Only registered ids become label values: a URL segment is attacker-chosen.
    const provider = id === undefined ? 'none' : registry.get(id) ? id : 'unknown'
    const outcome = outcomeLabel(c.get('outcome'), c.res.status)
    const reason = c.get('reason')
    metrics.count(
      'txgate_requests_total',
      reason ? { provider, outcome, reason } : { provider, outcome },
    )
    metrics.observe(
      'txgate_request_duration_seconds',
      { provider },
      (performance.now() - started) / 1000,
    )
  }
}
