/**
 * @module Deps as the app uses them: metrics and activity defaulted, the ports wrapped so every
 * path that uses them is counted, and the publisher's breaker and spool read at each scrape.
 */
import type { Deps } from '../deps.ts'
import { createActivity, type Activity } from './activity.ts'
import { instrumentLimiter, instrumentPublisher, instrumentStore } from './instrument.ts'
import { createMetrics, NO_METRICS, type Metrics } from './metrics.ts'
import { secretValues } from './redact.ts'

export type ObservedDeps = Deps & { metrics: Metrics; activity: Activity }

/** Metrics as configured: TXGATE_METRICS=off gives the no-op port (for the overhead bench). */
export const metricsFor = (settings: Deps['settings']): Metrics =>
  settings['TXGATE_METRICS'] === 'off' ? NO_METRICS : createMetrics()

export function observeDeps(deps: Deps): ObservedDeps {
  const metrics = deps.metrics ?? metricsFor(deps.settings)
  const activity = deps.activity ?? createActivity(deps.clock, secretValues(deps.settings))
  if (!metrics.enabled) return { ...deps, metrics, activity }

  // One backend serving both ports must stay one object: the pipeline then uses one round trip.
  const same = (deps.limiter as object) === (deps.store as object)
  const store = instrumentStore(deps.store, metrics)
  const limiter = instrumentLimiter(
    same ? (store as unknown as Deps['limiter']) : deps.limiter,
    metrics,
  )
  const publisher = instrumentPublisher(deps.publisher, metrics, activity, deps.config.topics.dlq)
  metrics.onCollect(() => publisherGauges(deps.publisher as StatefulPublisher, metrics))
  return {
    ...deps,
    metrics,
    activity,
    store: same ? (limiter as unknown as Deps['store']) : store,
    limiter,
    publisher,
  }
}

// --- Internal helpers ---

/** What a publisher may report about its breaker and spool (see Publisher.state). */
type StatefulPublisher = {
  kind: string
  state?(): {
    breaker?: { state: string }
    spool?: {
      pending_bytes: number
      max_bytes: number
      pending_records?: number
      oldest_age_ms?: number
    }
  }
}

const BREAKER_VALUE: Readonly<Record<string, number>> = { closed: 0, 'half-open': 1, open: 2 }

function publisherGauges(publisher: StatefulPublisher, metrics: Metrics): void {
  const s = publisher.state?.()
  if (s?.breaker) {
    metrics.gauge(
      'txgate_breaker_state',
      { publisher: publisher.kind },
      BREAKER_VALUE[s.breaker.state] ?? -1,
    )
  }
  if (s?.spool) {
    metrics.gauge('txgate_spool_bytes', undefined, s.spool.pending_bytes)
    metrics.gauge('txgate_spool_max_bytes', undefined, s.spool.max_bytes)
    if (s.spool.pending_records !== undefined)
      metrics.gauge('txgate_spool_records', undefined, s.spool.pending_records)
    if (s.spool.oldest_age_ms !== undefined) {
      metrics.gauge(
        'txgate_spool_oldest_record_age_seconds',
        undefined,
        s.spool.oldest_age_ms / 1000,
      )
    }
  }
}
