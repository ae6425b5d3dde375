/** @module Server runtimes' dependencies: settings → store, limiter, publisher, logger. */
import { providers } from '../../../providers/index.ts'
import { loadConfig, type Settings } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { createLogger } from '../../observability/log.ts'
import { createRegistry } from '../../provider/registry.ts'
import { createMemoryLimiter, createMemoryStore } from '../../store/memory.ts'
import { withBatch } from './batch/attach.ts'
import { openSpool } from './spool.ts'
import { createServerPublisher } from './publisher.ts'

export type ServerDeps = Deps & { close(): Promise<void> }

export async function buildServerDeps(
  settings: Settings,
  sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Promise<ServerDeps> {
  const config = loadConfig(settings)
  const clock = Date.now
  const log = createLogger(config.logLevel, sink, clock)
  const spool = await openSpool({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes })
  const publisher = createServerPublisher(config, settings, spool, log, clock)
  return withBatch(settings, {
    config,
    settings,
    registry: createRegistry(providers),
    store: createMemoryStore(clock),
    limiter: createMemoryLimiter(),
    publisher,
    clock,
    fetch: globalThis.fetch.bind(globalThis),
    log,
    close: () => publisher.close(),
  })
}
