/** Test harness for batch jobs: a temp dir, a recording publisher, the memory store, generated files. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { stringify } from 'yaml'
import { providers } from '../../../../providers/index.ts'
import { loadConfig } from '../../../../src/config.ts'
import type { BatchMapping } from '../../../../src/batch/mapping.ts'
import { createLogger } from '../../../../src/observability/log.ts'
import { createRegistry } from '../../../../src/provider/registry.ts'
import type { KafkaRecord } from '../../../../src/publish/types.ts'
import { createMemoryStore } from '../../../../src/store/memory.ts'
import { createDiskLedger } from '../../../../src/runtime/server/batch/disk-ledger.ts'
import { ingestFile, type BatchEnv, type IngestRequest } from '../../../../src/runtime/server/batch/ingest.ts'
import { createClock, createRecordingPublisher, type RecordingPublisher } from '../../../helpers/fakes.ts'

export type Harness = {
  dir: string
  env: BatchEnv
  publisher: RecordingPublisher
  logs: Record<string, unknown>[]
  /** Writes `content` (gzip'd when `gzip`) to `name` in the temp dir and returns its path. */
  file(name: string, content: string | Uint8Array, opts?: { gzip?: boolean }): Promise<string>
  ingest(path: string, req?: Partial<IngestRequest>): ReturnType<typeof ingestFile>
  transactions(): Record<string, unknown>[]
  dlq(): Record<string, unknown>[]
  close(): Promise<void>
}

export async function createHarness(opts: { mappings?: Record<string, BatchMapping>; workers?: number; chunkSize?: number } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'txgate-batch-'))
  const clock = createClock()
  const publisher = createRecordingPublisher()
  const logs: Record<string, unknown>[] = []
  const env: BatchEnv = {
    config: loadConfig({}),
    registry: createRegistry(providers),
    store: createMemoryStore(clock),
    publisher,
    clock,
    log: createLogger('debug', (l) => logs.push(JSON.parse(l) as Record<string, unknown>), clock),
    ledger: createDiskLedger(join(dir, 'ledger')),
    tmpDir: dir,
    workers: opts.workers ?? 0,
    chunkSize: opts.chunkSize ?? 10_000,
    ...(opts.mappings ? { mappings: opts.mappings } : {}),
  }
  const valueOf = (topic: string) => () =>
    publisher.records.filter((r: KafkaRecord) => r.topic === topic).map((r) => r.value as unknown as Record<string, unknown>)
  return {
    dir,
    env,
    publisher,
    logs,
    async file(name, content, fileOpts = {}) {
      const path = join(dir, name)
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
      await writeFile(path, fileOpts.gzip ? gzipSync(bytes) : bytes)
      return path
    },
    ingest: (path, req = {}) => ingestFile(env, { path, provider: 'acme', ...req }),
    transactions: valueOf('transactions.batch'),
    dlq: valueOf('transactions.dlq'),
    close: () => rm(dir, { recursive: true, force: true }),
  }
}

/** A bank-style layout: `;`-separated, Unix seconds, decimal amounts. */
export const ACME: BatchMapping = {
  format: 'csv',
  delimiter: ';',
  header_row: true,
  column_mapping: {
    transaction_id: 'TXN_ID',
    timestamp: 'TXN_DATE',
    amount: 'AMOUNT',
    currency: 'CCY',
    status: 'STATE',
    payment_method: 'METHOD',
    customer_id: 'CUST',
  },
  transformations: { timestamp: 'unix_to_iso8601', amount: 'decimal_to_minor' },
}

/** ACME as a source's `mapping:` entry in sources.yaml (indented under a source). */
export const ACME_MAPPING_YAML = `${stringify({ mapping: ACME }).trimEnd().replace(/^/gm, '    ')}\n`

export const ACME_HEADER = 'TXN_ID;TXN_DATE;AMOUNT;CCY;STATE;METHOD;CUST'

/** `n` good ACME rows starting at id `from`. */
export function acmeRows(n: number, from = 0, eol = '\n'): string {
  let out = ''
  for (let i = from; i < from + n; i++) out += `T${i};${1714557600 + i};${(i % 1000) + 0.5};EUR;SETTLED;card;C${i % 7}${eol}`
  return out
}
