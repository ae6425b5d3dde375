/** @module Everything the portable app needs, built by a runtime entry. */
import type { Context } from 'hono'
import type { BatchRunner } from './batch/runner.ts'
import type { HmacFn } from './auth/types.ts'
import type { Config, Settings } from './config.ts'
import type { DlqPort } from './dlq/resend.ts'
import type { Activity } from './observability/activity.ts'
import type { Logger } from './observability/log.ts'
import type { Metrics } from './observability/metrics.ts'
import type { Registry } from './provider/registry.ts'
import type { Publisher } from './publish/types.ts'
import type { SourceStates } from './sources/breaker.ts'
import type { SourceEvents } from './sources/events.ts'
import type { Limiter, Store } from './store/types.ts'

export type Deps = {
  config: Config
  /** Raw settings: secrets are read from here by name, never copied into Config. */
  settings: Settings
  registry: Registry
  store: Store
  limiter: Limiter
  publisher: Publisher
  /** Milliseconds since the epoch; injected so tests control time. */
  clock: () => number
  fetch: typeof fetch
  log: Logger
  /** HMAC for signature checks; WebCrypto when absent (server runtimes pass node:crypto's). */
  hmac?: HmacFn
  /**
   * Hands over work that may finish after the answer (Workers' `waitUntil`); the entry drains it.
   * Without it the work simply runs on, which only a long-lived process can afford.
   */
  waitUntil?: (work: Promise<unknown>) => void
  /** Runs batch jobs for POST /batch/v1/{provider}/files (server runtimes); absent on the edge. */
  batch?: BatchRunner
  /** Ingests the objects S3 notifications name, for POST /sources/v1/{source}/s3-events (server runtimes). */
  sourceEvents?: SourceEvents
  /** Each pull source's breaker state and last error, for /ready's detail (server runtimes with sources). */
  sourceStates?: SourceStates
  /**
   * Counters, gauges, histograms (observability/metrics.ts). createApp makes one when absent;
   * an entry passes its own to share it with publishers and process metrics.
   */
  metrics?: Metrics
  /** DLQ and quarantine records for `/admin/dlq` (server runtimes: the spool directory); absent on the edge. */
  dlq?: DlqPort
  /** Recent DLQ reasons and batch jobs for the dashboard; createApp makes one when absent. */
  activity?: Activity
  /** The client's address as the runtime sees it (socket peer, platform header), for security logs. */
  clientIp?: (c: Context) => string | undefined
}
