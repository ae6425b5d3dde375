/** @module Server runtimes' dependencies: settings → store, limiter, publisher, logger. */
import { providers } from '../../../providers/index.ts'
import { loadConfig, type Settings } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { createLogger } from '../../observability/log.ts'
import { metricsFor } from '../../observability/observe-deps.ts'
import { secretValues } from '../../observability/redact.ts'
import { createRegistry } from '../../provider/registry.ts'
import { openSharedState } from './shared-state.ts'
import { withBatch } from './batch/attach.ts'
import { openSpool } from './spool.ts'
import { serverDlqPort } from './dlq-files.ts'
import { addProcessMetrics } from './process-metrics.ts'
import { nodeHmac } from './node-hmac.ts'
import { openServerPublisher } from './publisher.ts'
import { withTenantSecretsFile } from './tenant-secrets-file.ts'

export type ServerDeps = Deps & { close(): Promise<void> }

export async function buildServerDeps(
  given: Settings,
  sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Promise<ServerDeps> {
  const settings = await withTenantSecretsFile(given)
  const config = loadConfig(settings)
  const clock = Date.now
  // Configured secret values are scrubbed from every log line, whatever a caller passes.
  const log = createLogger(config.logLevel, sink, clock, { secrets: secretValues(settings) })
  // One registry for the app, the publisher and the process metrics (prom-client's collectors).
  const metrics = metricsFor(settings)
  addProcessMetrics(metrics)
  const spool = await openSpool({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes })
  const publisher = await openServerPublisher(config, settings, spool, log, clock)
  const state = await openSharedState(config, settings, log, clock)
  return withBatch(settings, {
    config,
    settings,
    registry: createRegistry(providers),
    store: state.store,
    limiter: state.limiter,
    publisher,
    clock,
    fetch: globalThis.fetch.bind(globalThis),
    hmac: nodeHmac,
    log,
    metrics,
    dlq: await serverDlqPort(config, settings),
    close: async () => {
      await publisher.close()
      await state.close()
    },
  })
}
