/** @module Everything the portable app needs, built by a runtime entry. */
import type { BatchRunner } from './batch/runner.ts'
import type { Config, Settings } from './config.ts'
import type { Logger } from './observability/log.ts'
import type { Registry } from './provider/registry.ts'
import type { Publisher } from './publish/types.ts'
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
  /**
   * Hands over work that may finish after the answer (Workers' `waitUntil`); the entry drains it.
   * Without it the work simply runs on, which only a long-lived process can afford.
   */
  waitUntil?: (work: Promise<unknown>) => void
  /** Runs batch jobs for POST /batch/v1/{provider}/files (server runtimes); absent on the edge. */
  batch?: BatchRunner
}
