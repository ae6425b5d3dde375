/**
 * File-source throughput: one gzip'd CSV of N rows pulled from a local SFTP server (a real sshd)
 * and from an S3-compatible server (s3rver), each as one `pullFiles` run (list, streamed download
 * with MD5, sidecar SHA-256 check, batch path, archive), against ingesting the same file from local
 * disk through the batch path in the same run (the baseline, ratio 1.00). In-process store, no-op
 * publisher, file checkpoints; each run has its own ledger, so none is refused as a duplicate.
 *
 * Each run is a child process of its own (the servers stay in this one), so its peak RSS (VmHWM)
 * and CPU time are the pull's alone, not the bench's or s3rver's.
 *
 *   node --import tsx bench/sources-files.ts [--rows 1000000] [--pad 0] [--workers <cores>] [--rounds 1] [--keep DIR]
 *
 * `--pad N` adds a column of N random base64 characters per row, which gzip cannot shrink: a
 * 1 GB gzip'd file in millions rather than a hundred million rows (`--rows 10000000 --pad 96`).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createGzip } from 'node:zlib'
import { FILE_KINDS, type FileKind } from '../test/helpers/file-kinds.ts'
import { ACME, ACME_HEADER, acmeRows } from '../test/runtime/server/batch/harness.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    pad: { type: 'string', default: '0' },
    workers: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    keep: { type: 'string' },
    child: { type: 'string' },
    file: { type: 'string' },
    sidecar: { type: 'string' },
    source: { type: 'string' },
    prefix: { type: 'string' },
  },
})
const workers = values.workers === undefined ? availableParallelism() : Number(values.workers)
const pad = Number(values.pad)
// The pad column is not mapped: it rides along in the raw row, as a memo field would.
const mapping = ACME

type ChildResult = { rows: number; sec: number; cpuSec: number; rssMb: number }

if (values.child) {
  console.log(JSON.stringify(await runChild(values.child)))
  process.exit(0)
}

const rows = Number(values.rows)
const rounds = Number(values.rounds)
const work = await mkdtemp(join(tmpdir(), 'txgate-bench-files-'))
const keepDir = values.keep
if (keepDir) await mkdir(keepDir, { recursive: true })
const file = join(keepDir ?? work, `settlement-${rows}-pad${pad}.csv.gz`)
if (!keepDir || !existsSync(file)) {
  await pipeline(
    (async function* () {
      yield `${ACME_HEADER}${pad > 0 ? ';MEMO' : ''}\n`
      for (let i = 0; i < rows; i += 50_000) yield padded(acmeRows(Math.min(50_000, rows - i), i))
    })(),
    createGzip(),
    createWriteStream(file),
  )
}
const bytes = (await stat(file)).size
const sha = createHash('sha256')
for await (const chunk of createReadStream(file)) sha.update(chunk as Buffer)
const sidecar = `${sha.digest('hex')}  settlement.csv.gz\n`

type Row = { run: string } & ChildResult
const results: Row[] = []

// Asynchronous: s3rver answers from this process's event loop while the child pulls.
async function child(kind: string, extra: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, '--file', file, '--sidecar', sidecar.slice(0, 64), '--workers', String(workers), '--pad', String(pad), ...extra], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 20,
  })
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult
}

async function local(): Promise<Row> {
  return { run: 'local file (batch path)', ...(await child('local', [])) }
}

async function pulled(name: keyof typeof FILE_KINDS): Promise<Row> {
  const k: FileKind = await FILE_KINDS[name]()
  try {
    await k.putFile('settlement.csv.gz', file)
    await k.put('settlement.csv.gz.sha256', sidecar)
    const { config, env } = k.settings()
    const r = await child(name, ['--source', JSON.stringify(config), '--prefix', k.prefix], env)
    return { run: `${name} pull (${name === 's3' ? 's3rver' : 'sshd'})`, ...r }
  } finally {
    await k.close()
  }
}

for (let i = 0; i < rounds; i++) {
  // Alternate the order each round so a warmer disk cache does not always favour the same run.
  const order = i % 2 === 0 ? [local, () => pulled('sftp'), () => pulled('s3')] : [() => pulled('s3'), () => pulled('sftp'), local]
  for (const run of order) results.push(await run())
}
await rm(work, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const runs = [...new Set(results.map((r) => r.run))]
const rate = (run: string) => median(results.filter((r) => r.run === run).map((r) => r.rows / r.sec))
const cpuRate = (run: string) => median(results.filter((r) => r.run === run).map((r) => r.rows / r.cpuSec))
const baseRate = rate('local file (batch path)')
console.log(`${rows} rows, ${(bytes / 2 ** 20).toFixed(1)} MB gzip'd CSV (pad ${pad}), ${workers} batch worker(s), ${rounds} round(s) (median), each run its own process`)
console.log('| run | rows | seconds | rows/s | ratio to local file | rows/CPU-s | peak RSS MB |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const run of runs) {
  const mine = results.filter((r) => r.run === run)
  const sec = median(mine.map((r) => r.sec))
  console.log(`| ${run} | ${mine[0]?.rows ?? 0} | ${sec.toFixed(2)} | ${Math.round(rate(run))} | ${(rate(run) / baseRate).toFixed(2)} | ${Math.round(cpuRate(run))} | ${Math.max(...mine.map((r) => r.rssMb))} |`)
}

// --- The child: one run, measured alone ---

function padded(block: string): string {
  if (pad <= 0) return block
  const lines = block.split('\n')
  const noise = randomBytes(Math.ceil((pad * 3) / 4) * lines.length).toString('base64')
  let out = ''
  for (let i = 0; i < lines.length - 1; i++) out += `${lines[i]};${noise.slice(i * pad, (i + 1) * pad)}\n`
  return out
}

async function runChild(kind: string): Promise<ChildResult> {
  const { benchBatchEnv } = await import('./lib/batch-env.ts')
  const dir = await mkdtemp(join(tmpdir(), `txgate-bench-${kind}-`))
  const cpu0 = process.cpuUsage()
  const t = performance.now()
  let published: number
  try {
    if (kind === 'local') {
      const { ingestFile } = await import('../src/runtime/server/batch/ingest.ts')
      const r = await ingestFile(benchBatchEnv(dir, workers), { path: values.file as string, provider: 'acme', mapping, checksum: values.sidecar as string })
      published = r.stats.published
    } else {
      const { pullFiles } = await import('../src/runtime/server/sources/pull-files.ts')
      const { createFileCheckpoints } = await import('../src/runtime/server/sources/checkpoints-file.ts')
      const config = JSON.parse(values.source as string) as Record<string, unknown>
      let store
      let archive
      if (kind === 's3') {
        const { S3Schema } = await import('../src/sources/kinds/s3.ts')
        const { createS3Store, s3ClientFor } = await import('../src/runtime/server/sources/s3-store.ts')
        const cfg = S3Schema.parse(config)
        store = createS3Store(cfg, s3ClientFor(cfg, process.env))
        archive = cfg.archive
      } else {
        const { SftpSchema } = await import('../src/sources/kinds/sftp.ts')
        const { connectSftp } = await import('../src/runtime/server/sources/sftp-store.ts')
        const cfg = SftpSchema.parse(config)
        store = await connectSftp(cfg, process.env)
        archive = cfg.archive
      }
      const r = await pullFiles(
        { batch: benchBatchEnv(dir, workers), checkpoints: createFileCheckpoints(join(dir, 'sources')), stagingDir: join(dir, 'staging'), holder: 'bench' },
        { name: `bench-${kind}`, provider: 'acme', mapping, prefix: values.prefix as string, glob: '*.csv.gz', min_age_s: 0, archive },
        store,
      )
      await store.close()
      if (r.outcome !== 'done') throw new Error(`${kind} pull: ${JSON.stringify(r)}`)
      published = r.published
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const sec = (performance.now() - t) / 1000
  const c = process.cpuUsage(cpu0)
  // VmHWM: the process's peak resident set, worker threads included.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return { rows: published, sec, cpuSec: (c.user + c.system) / 1e6, rssMb: Math.round(Number(hwm?.[1] ?? 0) / 1024) }
}
