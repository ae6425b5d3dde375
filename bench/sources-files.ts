/**
 * File-source throughput: one gzip'd CSV of N rows pulled from a local SFTP server (a real sshd)
 * and from an S3-compatible server (s3rver), each as one `pullFiles` run (list, streamed download
 * with MD5, sidecar SHA-256 check, batch path, archive), against ingesting the same file from local
 * disk through the batch path in the same run (the baseline, ratio 1.00). In-process store, no-op
 * publisher, file checkpoints; each run has its own ledger, so none is refused as a duplicate.
 *
 *   node --import tsx bench/sources-files.ts [--rows 1000000] [--workers <cores>] [--rounds 1]
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { createGzip } from 'node:zlib'
import { ingestFile } from '../src/runtime/server/batch/ingest.ts'
import { createFileCheckpoints } from '../src/runtime/server/sources/checkpoints-file.ts'
import { pullFiles, type FileSource } from '../src/runtime/server/sources/pull-files.ts'
import { FILE_KINDS, type FileKind } from '../test/helpers/file-kinds.ts'
import { ACME, ACME_HEADER, acmeRows } from '../test/runtime/server/batch/harness.ts'
import { benchBatchEnv, rssSampler } from './lib/batch-env.ts'

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, workers: { type: 'string' }, rounds: { type: 'string', default: '1' } } })
const rows = Number(values.rows)
const workers = values.workers === undefined ? availableParallelism() : Number(values.workers)
const rounds = Number(values.rounds)

const work = await mkdtemp(join(tmpdir(), 'txgate-bench-files-'))
const file = join(work, 'settlement.csv.gz')
await pipeline(
  (async function* () {
    yield `${ACME_HEADER}\n`
    for (let i = 0; i < rows; i += 50_000) yield acmeRows(Math.min(50_000, rows - i), i)
  })(),
  createGzip(),
  createWriteStream(file),
)
const bytes = (await stat(file)).size
const sha = createHash('sha256')
for await (const chunk of createReadStream(file)) sha.update(chunk as Buffer)
const sidecar = `${sha.digest('hex')}  settlement.csv.gz\n`
const body = await readFile(file)

const rss = rssSampler()
type Row = { run: string; rows: number; sec: number; rss: number }
const results: Row[] = []

async function local(): Promise<Row> {
  const dir = await mkdtemp(join(work, 'local-'))
  rss.reset()
  const t = performance.now()
  const r = await ingestFile(benchBatchEnv(dir, workers), { path: file, provider: 'acme', mapping: ACME, checksum: sidecar.slice(0, 64) })
  const row = { run: 'local file (batch path)', rows: r.stats.published, sec: (performance.now() - t) / 1000, rss: rss.peakMb() }
  await rm(dir, { recursive: true, force: true })
  return row
}

async function pulled(name: keyof typeof FILE_KINDS): Promise<Row> {
  const k: FileKind = await FILE_KINDS[name]()
  const dir = await mkdtemp(join(work, `${name}-`))
  try {
    await k.put('settlement.csv.gz', body)
    await k.put('settlement.csv.gz.sha256', sidecar)
    const { store, archive } = await k.open()
    const src: FileSource = { name: `bench-${name}`, provider: 'acme', mapping: ACME, prefix: k.prefix, glob: '*.csv.gz', min_age_s: 0, archive }
    rss.reset()
    const t = performance.now()
    const r = await pullFiles({ batch: benchBatchEnv(dir, workers), checkpoints: createFileCheckpoints(join(dir, 'sources')), stagingDir: join(dir, 'staging'), holder: 'bench' }, src, store)
    const sec = (performance.now() - t) / 1000
    await store.close()
    if (r.outcome !== 'done') throw new Error(`${name} pull: ${JSON.stringify(r)}`)
    return { run: `${name} pull (${name === 's3' ? 's3rver' : 'sshd'})`, rows: r.published, sec, rss: rss.peakMb() }
  } finally {
    await k.close()
    await rm(dir, { recursive: true, force: true })
  }
}

for (let i = 0; i < rounds; i++) {
  // Alternate the order each round so a warmer process does not always favour the same run.
  const order = i % 2 === 0 ? [local, () => pulled('sftp'), () => pulled('s3')] : [() => pulled('s3'), () => pulled('sftp'), local]
  for (const run of order) results.push(await run())
}
rss.stop()
await rm(work, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const runs = [...new Set(results.map((r) => r.run))]
const rate = (run: string) => median(results.filter((r) => r.run === run).map((r) => r.rows / r.sec))
const baseRate = rate('local file (batch path)')
console.log(`${rows} rows, ${(bytes / 2 ** 20).toFixed(1)} MB gzip'd CSV, ${workers} batch worker(s), ${rounds} round(s) (median)`)
console.log('| run | rows | seconds | rows/s | ratio to local file | peak RSS MB |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const run of runs) {
  const mine = results.filter((r) => r.run === run)
  const sec = median(mine.map((r) => r.sec))
  console.log(`| ${run} | ${mine[0]?.rows ?? 0} | ${sec.toFixed(2)} | ${Math.round(rate(run))} | ${(rate(run) / baseRate).toFixed(2)} | ${Math.max(...mine.map((r) => r.rss))} |`)
}
