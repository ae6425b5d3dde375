/**
 * HTTP API polling throughput: pulls N rows from a local paged server (row-version cursor, the
 * Mahak pattern) at page sizes 100 and 1 000 (the test server filters and sorts every row per request,
 * so small pages also measure it), and ingests the same rows as one NDJSON file through
 * the batch path in the same run (the baseline). In-process store, no-op publisher, file checkpoints.
 *
 *   node --import tsx bench/sources-poll.ts [--rows 50000]
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { BatchMapping } from '../src/batch/mapping.ts'
import { ingestFile } from '../src/runtime/server/batch/ingest.ts'
import { createFileCheckpoints } from '../src/runtime/server/sources/checkpoints-file.ts'
import { pullSource } from '../src/runtime/server/sources/pull.ts'
import { parseSources, type PullSourceConfig } from '../src/sources/config.ts'
import { apiRows, startPagedApi } from '../test/helpers/paged-api.ts'
import { benchBatchEnv, rssSampler } from './lib/batch-env.ts'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'

const { values } = parseArgs({ options: { rows: { type: 'string', default: '50000' } } })
const rows = Number(values.rows)
const MAPPING: BatchMapping = {
  column_mapping: { transaction_id: 'Id', timestamp: 'Date', amount: 'Amount', status: 'Status' },
  defaults: { currency: 'IRR', payment_method: 'bank_transfer' },
}
const data = apiRows(rows)
const api = await startPagedApi(data)
const out: string[] = ['| run | rows | seconds | rows/s | ratio to file | peak RSS MB |', '| --- | --- | --- | --- | --- | --- |']
const rss = rssSampler()

const fileDir = await mkdtemp(join(tmpdir(), 'txgate-bench-poll-'))
const path = join(fileDir, 'all.ndjson')
await writeFile(path, data.map((r) => JSON.stringify({ ...r, _txgate_status: r.Status })).join('\n') + '\n')
rss.reset()
let t = performance.now()
const base = await ingestFile(benchBatchEnv(fileDir), { path, provider: 'mahak', mapping: { ...MAPPING, format: 'ndjson' } })
const baseSec = (performance.now() - t) / 1000
const baseRate = base.stats.published / baseSec
out.push(`| one NDJSON file (batch path) | ${base.stats.published} | ${baseSec.toFixed(2)} | ${Math.round(baseRate)} | 1.00 | ${rss.peakMb()} |`)

for (const size of [100, 1000]) {
  const dir = await mkdtemp(join(tmpdir(), 'txgate-bench-poll-'))
  const [src] = parseSources(`sources:
  mahak:
    kind: http-poll
    provider: mahak
    url: ${api.url}
    items: data
    page_size: ${size}
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
`)
  rss.reset()
  t = performance.now()
  const r = await pullSource(
    { batch: benchBatchEnv(dir), checkpoints: createFileCheckpoints(join(dir, 'sources')), stagingDir: join(dir, 'staging'), holder: 'bench' },
    { ...(src as PullSourceConfig), mapping: MAPPING },
  )
  const sec = (performance.now() - t) / 1000
  const rate = r.published / sec
  out.push(`| http-poll, page size ${size} (${r.pages} pages) | ${r.published} | ${sec.toFixed(2)} | ${Math.round(rate)} | ${(rate / baseRate).toFixed(2)} | ${rss.peakMb()} |`)
}
rss.stop()
await api.close()
console.log(out.join('\n'))
