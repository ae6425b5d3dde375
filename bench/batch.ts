/**
 * Batch path throughput and memory: generates N-row files (CSV, NDJSON, Parquet; plain and gzip),
 * ingests each in its own process, and prints rows/s and peak RSS next to the raw parse-only speed
 * of the same library over the same file (our overhead as a ratio).
 *
 *   npm run bench:batch -- [--rows 1000000] [--formats csv,csv.gz,ndjson,ndjson.gz,parquet] [--workers N] [--sink noop|spool] [--keep DIR] [--cpu-prof DIR]
 *
 * Each ingest runs as `txgate ingest` does: its sources bundled (bin/bundle.js), without tsx's loader.
 *
 * `--parquet-page-kb 256` writes Parquet pages of ~15 000–30 000 rows here, as Arrow/Spark files have.
 *
 * Env: none. A 1 GB CSV is about 17 M rows (--rows 17000000 --formats csv --sink noop); it needs that
 * much disk in $TMPDIR, and ~17 GB more with --sink spool.
 */
import { execFileSync } from 'node:child_process'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createGunzip, createGzip } from 'node:zlib'
import { parse } from 'csv-parse'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { parquetWriteFile } from 'hyparquet-writer'
import { bundled } from '../bin/bundle.js'
import type { BatchMapping } from '../src/batch/mapping.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    formats: { type: 'string', default: 'csv,csv.gz,ndjson,ndjson.gz,parquet' },
    workers: { type: 'string', default: String(availableParallelism()) },
    sink: { type: 'string', default: 'noop' },
    keep: { type: 'string' },
    child: { type: 'string' },
    file: { type: 'string' },
    'block-kb': { type: 'string' },
    // hyparquet-writer cuts pages at 1 MB, 100 000–400 000 short values; Arrow and Spark also
    // cap a page at 20 000 rows. Smaller pages show what the reader does with such files.
    'parquet-page-kb': { type: 'string', default: '1024' },
    'cpu-prof': { type: 'string' },
  },
})

const MAPPING: BatchMapping = {
  column_mapping: { transaction_id: 'id', timestamp: 'created', amount: 'amount', currency: 'currency', status: 'status', payment_method: 'method', customer_id: 'customer' },
  transformations: { timestamp: 'unix_to_iso8601', amount: 'decimal_to_minor' },
}
const CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP']
const row = (i: number) => ({
  id: `txn_${i.toString(36).padStart(8, '0')}`,
  created: String(1714557600 + (i % 86400)),
  amount: CURRENCIES[i % 4] === 'JPY' ? String(100 + (i % 90000)) : `${i % 5000}.${String(i % 100).padStart(2, '0')}`,
  currency: CURRENCIES[i % 4] as string,
  status: i % 50 === 0 ? 'failed' : 'succeeded',
  method: i % 3 === 0 ? 'bank_transfer' : 'card',
  customer: `cus_${i % 100000}`,
})

/** This file bundled: what the children run. */
let childScript = ''

if (values.child) await child(values.child, values.file as string)
else await main()

async function main(): Promise<void> {
  childScript = fileURLToPath(await bundled(fileURLToPath(import.meta.url)))
  const n = Number(values.rows)
  const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'txgate-bench-')))
  await mkdir(dir, { recursive: true })
  const formats = (values.formats as string).split(',')
  console.log(`batch bench: ${n.toLocaleString('en')} rows per file, workers=${values.workers}, sink=${values.sink}, ${availableParallelism()} cores, node ${process.version}`)
  const table: Record<string, string | number>[] = []
  for (const fmt of formats) {
    // Named by row count, so a kept file is reused by the next run with the same --rows.
    const pages = fmt.startsWith('parquet') && values['parquet-page-kb'] !== '1024' ? `-p${values['parquet-page-kb']}k` : ''
    const file = join(dir, `bench-${n}${pages}.${fmt}`)
    if (!(await stat(file).catch(() => undefined))) {
      await generate(fmt, n, `${file}.part`) // renamed once whole: an interrupted run leaves nothing to reuse
      await rename(`${file}.part`, file)
    }
    const size = (await stat(file)).size
    const raw = runChild('raw', file)
    const ours = runChild('ingest', file)
    table.push({
      format: pages ? `${fmt} (${values['parquet-page-kb']} KB pages)` : fmt,
      MB: +(size / 1048576).toFixed(1),
      'raw parse rows/s': raw.rowsPerSec,
      'ingest rows/s': ours.rowsPerSec,
      'ingest/raw': +(ours.rowsPerSec / raw.rowsPerSec).toFixed(2),
      // CPU time of the whole child (workers included): rows per core-second, steadier than
      // wall-clock rows/s when other work shares the cores.
      'raw rows/CPU-s': raw.rowsPerCpuSec,
      'ingest rows/CPU-s': ours.rowsPerCpuSec,
      'ingest/raw (CPU)': +(ours.rowsPerCpuSec / raw.rowsPerCpuSec).toFixed(2),
      'peak RSS MB (ingest)': ours.peakRssMb,
      'peak RSS MB (raw)': raw.peakRssMb,
      state: ours.state ?? '',
    })
    if (!values.keep) await rm(file, { force: true })
  }
  console.table(table)
  if (!values.keep) await rm(dir, { recursive: true, force: true })
}

type ChildResult = { rowsPerSec: number; rowsPerCpuSec: number; peakRssMb: number; state?: string }

function runChild(kind: string, file: string): ChildResult {
  const out = execFileSync(process.execPath, [...childNodeArgs(kind), childScript, '--child', kind, '--file', file, '--workers', values.workers as string, '--sink', values.sink as string, ...(values['block-kb'] ? ['--block-kb', values['block-kb']] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult
}

/** `--cpu-prof DIR`: the ingest child (and its worker threads, a file each) runs under node --cpu-prof. */
function childNodeArgs(kind: string): string[] {
  return values['cpu-prof'] && kind === 'ingest' ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []
}

async function generate(fmt: string, n: number, file: string): Promise<void> {
  if (fmt.startsWith('parquet')) {
    const rows = Array.from({ length: n }, (_, i) => row(i)) // the writer takes columns; parquet benches stay modest
    const col = (k: keyof ReturnType<typeof row>) => rows.map((r) => r[k])
    parquetWriteFile({
      filename: file,
      columnData: (['id', 'created', 'amount', 'currency', 'status', 'method', 'customer'] as const).map((k) => ({ name: k, data: col(k), type: 'STRING' as const })),
      rowGroupSize: 100_000,
      pageSize: Number(values['parquet-page-kb']) * 1024,
    })
    return
  }
  const gz = fmt.endsWith('.gz')
  async function* lines() {
    let buf = fmt.startsWith('csv') ? 'id,created,amount,currency,status,method,customer\n' : ''
    for (let i = 0; i < n; i++) {
      const r = row(i)
      buf += fmt.startsWith('csv') ? `${r.id},${r.created},${r.amount},${r.currency},${r.status},${r.method},${r.customer}\n` : JSON.stringify(r) + '\n'
      if (buf.length > 1 << 20) {
        yield buf
        buf = ''
      }
    }
    yield buf
  }
  await (gz ? pipeline(lines, createGzip({ level: 6 }), createWriteStream(file)) : pipeline(lines, createWriteStream(file)))
}

async function child(kind: string, file: string): Promise<void> {
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  let rows = 0
  let state: string | undefined
  if (kind === 'raw') {
    const gz = file.endsWith('.gz')
    const source = () => (gz ? createReadStream(file).pipe(createGunzip()) : createReadStream(file))
    if (file.includes('.csv')) {
      for await (const _ of source().pipe(parse({ columns: true }))) rows++
    } else if (file.includes('.ndjson')) {
      let rest = ''
      for await (const chunk of source()) {
        const text = rest + String(chunk)
        const parts = text.split('\n')
        rest = parts.pop() ?? ''
        for (const p of parts) if (p) (JSON.parse(p), rows++)
      }
    } else {
      const f = await asyncBufferFromFile(file)
      const metadata = await parquetMetadataAsync(f)
      let at = 0
      for (const g of metadata.row_groups) {
        const end = at + Number(g.num_rows)
        rows += (await parquetReadObjects({ file: f, metadata, rowStart: at, rowEnd: end })).length
        at = end
      }
    }
  } else {
    const { ingestFile } = await import('../src/runtime/server/batch/ingest.ts')
    const { createMemoryStore } = await import('../src/store/memory.ts')
    const { createRegistry } = await import('../src/provider/registry.ts')
    const { loadConfig } = await import('../src/config.ts')
    const { createLogger } = await import('../src/observability/log.ts')
    const { createDiskLedger } = await import('../src/runtime/server/batch/disk-ledger.ts')
    const dir = await mkdtemp(join(tmpdir(), 'txgate-bench-run-'))
    const config = loadConfig({ TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_SPOOL_MAX_BYTES: String(64 * 1024 ** 3) })
    let publisher: import('../src/publish/types.ts').Publisher = { kind: 'noop', publish: async () => {}, ping: async () => ({ ok: true, kind: 'noop' }), close: async () => {} }
    if (values.sink === 'spool') {
      const { openSpool } = await import('../src/runtime/server/spool.ts')
      const spool = await openSpool({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes })
      publisher = { ...publisher, kind: 'spool', publish: (r) => spool.append(r), close: () => spool.close() }
    }
    const status = await ingestFile(
      { config, registry: createRegistry([]), store: createMemoryStore(Date.now), publisher, clock: Date.now, log: createLogger('error', () => {}, Date.now), ledger: createDiskLedger(join(dir, 'ledger')), tmpDir: dir, workers: Number(values.workers), chunkSize: 10_000, mappings: { bench: MAPPING }, ...(values['block-kb'] ? { blockBytes: Number(values['block-kb']) * 1024 } : {}) },
      { path: file, provider: 'bench' },
    )
    await publisher.close()
    await rm(dir, { recursive: true, force: true })
    rows = status.stats.read
    state = status.state === 'succeeded' ? `${status.stats.published} published` : `${status.state}: ${status.reason}`
  }
  const secs = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore) // the process's, worker threads included
  const cpuSecs = (cpu.user + cpu.system) / 1e6
  // Worker threads share the process, so this is the whole job's peak.
  console.log(JSON.stringify({ rowsPerSec: Math.round(rows / secs), rowsPerCpuSec: Math.round(rows / cpuSecs), peakRssMb: peakRssMb(), state }))
}

/**
 * The process's peak RSS. On Linux from VmHWM: getrusage's maxRSS survives exec, so a child
 * forked from this bench while it held a generated Parquet file reported the parent's peak.
 */
function peakRssMb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Math.round(Number(hwm[1]) / 1024)
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024)
}
