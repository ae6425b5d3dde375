/**
 * @module Cloudflare Workers entry: builds the edge deps once per isolate, serves app.fetch, and
 * hands background work to `ctx.waitUntil`. Web APIs only (checked by the root tsconfig).
 */
import { createApp } from '../app.ts'
import { ConfigError } from '../config.ts'
import { GatewayError } from '../errors.ts'
import { problemResponse } from '../middleware/problem.ts'
import { ANALYTICS_BINDING, isAnalyticsDataset, withAnalyticsEngine } from '../observability/analytics-engine.ts'
import { metricsFor } from '../observability/observe-deps.ts'
import { startupLines } from '../pipeline/provider-status.ts'
import { buildEdgeDeps, settingsFrom, type EdgeDeps } from './edge/deps.ts'
import { DLQ_BINDING, QUEUE_BINDING } from './edge/queue.ts'
import { isQueueProducer, type ExecutionContext, type MessageBatch, type WorkerEnv } from './edge/workers-types.ts'

type Isolate = { deps: EdgeDeps; app: ReturnType<typeof createApp> }

/** How long queued events wait when the Worker cannot start (a fix is a new deploy). */
const CONFIG_RETRY_S = 300

// Bindings do not change within an isolate, so the app is built on its first request.
let isolate: Isolate | undefined

export default {
  async fetch(req: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    try {
      isolate ??= start(env)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      console.error(`txgate: ${err.message}`)
      return problemResponse(new MisConfigured(err.message), crypto.randomUUID())
    }
    const res = await isolate.app.fetch(req)
    if (isolate.deps.pendingWork() > 0) ctx.waitUntil(isolate.deps.drain())
    return res
  },

  /** The consumer of TXGATE_QUEUE: forwards what the webhooks accepted to the Kafka REST bridge. */
  async queue(batch: MessageBatch, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    try {
      isolate ??= start(env)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      // Kept for later, not thrown: a throw is retried after retry_delay (30 s), 100 retries in under an hour.
      console.error(`txgate: queued events wait, the configuration is invalid: ${err.message}`)
      batch.retryAll({ delaySeconds: CONFIG_RETRY_S })
      return
    }
    await isolate.deps.forward(batch)
    if (isolate.deps.pendingWork() > 0) ctx.waitUntil(isolate.deps.drain())
  },
}

// --- Internal helpers ---

function start(env: WorkerEnv): Isolate {
  const queue = env[QUEUE_BINDING]
  const dlq = env[DLQ_BINDING]
  const deps = buildEdgeDeps(settingsFrom(env), (line) => console.log(line), {
    queue: isQueueProducer(queue) ? queue : undefined,
    dlq: isQueueProducer(dlq) ? dlq : undefined,
  })
  // No start-up phase on Workers: the first request of each isolate says what it runs with.
  for (const line of startupLines(deps)) console.log(`txgate: ${line}`)
  if (deps.missing.length > 0) {
    console.warn(`txgate: not ready, set ${deps.missing.join(', ')} (wrangler secret put NAME)`)
  }
  // Each isolate keeps its own metrics; a bound Analytics Engine dataset also gets every request.
  const dataset = env[ANALYTICS_BINDING]
  const metrics = metricsFor(deps.settings)
  const app = createApp({
    ...deps,
    metrics: isAnalyticsDataset(dataset) ? withAnalyticsEngine(metrics, dataset) : metrics,
    // Set by Cloudflare's edge for every request (a client's own value is overwritten).
    clientIp: (c) => c.req.header('cf-connecting-ip'),
  })
  return { deps, app }
}

class MisConfigured extends GatewayError {
  override readonly code = 'misconfigured'
  override readonly status = 500
  override readonly title = 'Gateway misconfigured'
}
