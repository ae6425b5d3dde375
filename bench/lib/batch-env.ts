/** A batch environment for source benches: in-process store, a no-op publisher, the ledger under `dir`. */
import { join } from 'node:path'
import { providers } from '../../providers/index.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/observability/log.ts'
import { createRegistry } from '../../src/provider/registry.ts'
import type { Publisher } from '../../src/publish/types.ts'
import { createDiskLedger } from '../../src/runtime/server/batch/disk-ledger.ts'
import type { BatchEnv } from '../../src/runtime/server/batch/ingest.ts'
import { createMemoryStore } from '../../src/store/memory.ts'

const noop: Publisher = { kind: 'noop', publish: async () => undefined } as unknown as Publisher

export function benchBatchEnv(dir: string, workers = 0): BatchEnv {
  return {
    config: loadConfig({}),
    registry: createRegistry(providers),
    store: createMemoryStore(Date.now),
    publisher: noop,
    clock: Date.now,
    log: createLogger('error', () => undefined, Date.now),
    ledger: createDiskLedger(join(dir, 'ledger')),
    tmpDir: dir,
    workers,
    chunkSize: 10_000,
  }
}

/** Peak RSS between `reset()` calls, sampled every 20 ms. */
export function rssSampler() {
  let peak = 0
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  return { reset: () => (peak = process.memoryUsage().rss), peakMb: () => Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20), stop: () => clearInterval(timer) }
}
