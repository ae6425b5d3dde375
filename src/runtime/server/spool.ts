/** @module The spool: an append-only, fsync'd local log of Kafka records, in ordered segments. */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { KafkaRecord } from '../../publish/types.ts'

export type SpoolOptions = {
  dir: string
  /** Refuse new records (the caller answers 503) once the segments hold this many bytes. */
  maxBytes: number
  /** Start a new segment past this size. */
  segmentBytes?: number
}

export type Spool = {
  /** Resolves once the records are written and fsync'd; rejects with SpoolFull when over the bound. */
  append(records: readonly KafkaRecord[]): Promise<void>
  /** Bytes held by all segments. */
  size(): number
  close(): Promise<void>
}

export class SpoolFull extends Error {}

const SEGMENT = /^(\d{20})\.ndjson$/
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024

/** Opens the spool for writing: one writer per directory, held by a lock file. */
export async function openSpool(opts: SpoolOptions): Promise<Spool> {
  await mkdir(opts.dir, { recursive: true })
  await takeLock(opts.dir)
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES
  const names = await listSegments(opts.dir)
  let total = 0
  for (const n of names.slice(0, -1)) total += (await stat(join(opts.dir, n))).size
  let seq = names.length > 0 ? Number(SEGMENT.exec(names.at(-1) ?? '')?.[1]) : 0
  let current: { fh: FileHandle; size: number } | undefined
  if (names.length > 0) {
    const path = join(opts.dir, names.at(-1) ?? '')
    const fh = await open(path, 'r+')
    // A crash mid-write leaves a torn last line that was never acknowledged: cut it off.
    const size = await truncateTornTail(fh)
    total += size
    current = { fh, size }
  }

  type Pending = { data: Buffer; resolve: () => void; reject: (e: unknown) => void }
  let queue: Pending[] = []
  let flushing: Promise<void> | undefined
  let closed = false

  async function roll(): Promise<{ fh: FileHandle; size: number }> {
    if (current) await current.fh.close()
    seq += 1
    const fh = await open(join(opts.dir, `${String(seq).padStart(20, '0')}.ndjson`), 'a')
    await fsyncDir(opts.dir) // the new segment's name must survive a crash too
    current = { fh, size: 0 }
    return current
  }

  // Group commit: every record queued while one fsync runs is written by the next one.
  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue
      queue = []
      try {
        const seg = current && current.size < segmentBytes ? current : await roll()
        const data = Buffer.concat(batch.map((p) => p.data))
        let written = 0
        while (written < data.length) {
          const r = await seg.fh.write(data, written, data.length - written, seg.size + written)
          written += r.bytesWritten
        }
        await seg.fh.datasync()
        seg.size += data.length
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    flushing = undefined
  }

  return {
    append(records) {
      if (closed) return Promise.reject(new Error('spool is closed'))
      const data = Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join(''))
      if (total + data.length > opts.maxBytes) {
        return Promise.reject(new SpoolFull(`spool holds ${total} of ${opts.maxBytes} bytes`))
      }
      total += data.length
      return new Promise<void>((resolve, reject) => {
        queue.push({
          data,
          resolve,
          reject: (e) => {
            total -= data.length
            reject(e)
          },
        })
        flushing ??= flush()
      })
    },
    size: () => total,
    async close() {
      closed = true
      await flushing
      await current?.fh.close()
      await rm(join(opts.dir, 'LOCK'), { force: true })
    },
  }
}

/** Reads every complete record of the spool, oldest first, optionally of one topic. */
export async function* readSpool(dir: string, topic?: string): AsyncGenerator<KafkaRecord> {
  let names: string[]
  try {
    names = await listSegments(dir)
  } catch {
    return
  }
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8')
    const end = text.lastIndexOf('\n')
    if (end < 0) continue
    for (const line of text.slice(0, end).split('\n')) {
      if (!line) continue
      const record = JSON.parse(line) as KafkaRecord
      if (topic === undefined || record.topic === topic) yield record
    }
  }
}

// --- Internal helpers ---

async function listSegments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => SEGMENT.test(n)).sort()
}

async function truncateTornTail(fh: FileHandle): Promise<number> {
  const { size } = await fh.stat()
  if (size === 0) return 0
  const tailLength = Math.min(size, 1024 * 1024)
  const tail = Buffer.alloc(tailLength)
  await fh.read(tail, 0, tailLength, size - tailLength)
  if (tail[tailLength - 1] === 0x0a) return size
  const lastNewline = tail.lastIndexOf(0x0a)
  const keep = lastNewline < 0 ? size - tailLength : size - tailLength + lastNewline + 1
  await fh.truncate(keep)
  await fh.datasync()
  return keep
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function takeLock(dir: string): Promise<void> {
  const path = join(dir, 'LOCK')
  try {
    const fh = await open(path, 'wx')
    await fh.writeFile(String(process.pid))
    await fh.close()
    return
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const holder = Number((await readFile(path, 'utf8')).trim())
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
    throw new Error(`spool ${dir} is in use by process ${holder}`)
  }
  // The holder is gone (crash or kill -9): the lock is stale.
  await rm(path, { force: true })
  return takeLock(dir)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
