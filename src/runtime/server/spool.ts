/** @module The spool: an append-only, fsync'd local log of Kafka records in ordered segments, replayed through a cursor. */
import { mkdir, open, rm, stat } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Rejection } from '../../publish/errors.ts'
import { decodeRecord } from '../../publish/encode.ts'
import type { KafkaRecord, OutboundRecord } from '../../publish/types.ts'
import { byteLength, recordLines } from './record-lines.ts'
import * as files from './spool-files.ts'
import type { SpoolPosition } from './spool-files.ts'
import { readLines } from './spool-reader.ts'

export { readSpool } from './spool-reader.ts'

export type SpoolOptions = {
  dir: string
  /** Refuse new records (the caller answers 503) once this many bytes wait for Kafka. */
  maxBytes: number
  /** Start a new segment past this size. */
  segmentBytes?: number
}

/** Records after the cursor; `end` is where the cursor goes once Kafka acknowledged them. */
export type SpoolBatch = { records: KafkaRecord[]; position: SpoolPosition; bytes: number }

export type Spool = {
  readonly maxBytes: number
  /** Resolves once the records are written and fsync'd; rejects with SpoolFull when over the bound. */
  append(records: readonly OutboundRecord[]): Promise<void>
  /** Bytes accepted (written or being written) and not yet acknowledged by Kafka. */
  size(): number
  /** Up to `maxRecords` fsync'd records after the cursor, oldest first; undefined when there are none. */
  next(maxRecords: number): Promise<SpoolBatch | undefined>
  /** Moves the cursor past `batch` (durably) and deletes the segments it has left behind. */
  ack(batch: SpoolBatch): Promise<void>
  /** Keeps records Kafka refuses for good in `rejected.ndjson`, fsync'd. */
  quarantine(rejections: readonly Rejection[]): Promise<void>
  quarantined(): number
  close(): Promise<void>
}

export class SpoolFull extends Error {}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024

/** Opens the spool: one process per directory, held by a lock file. Only one reader calls next/ack. */
export async function openSpool(opts: SpoolOptions): Promise<Spool> {
  const { dir } = opts
  await mkdir(dir, { recursive: true })
  await files.takeLock(dir)
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES
  let seqs = await files.listSegments(dir)
  let cursor = (await files.readCursor(dir)) ?? { segment: seqs[0] ?? 1, offset: 0 }
  // A crash between writing the cursor and deleting what it left behind.
  for (const s of seqs.filter((s) => s < cursor.segment)) await rm(join(dir, files.segmentName(s)))
  seqs = seqs.filter((s) => s >= cursor.segment)
  if (seqs[0] !== undefined && seqs[0] > cursor.segment) cursor = { segment: seqs[0], offset: 0 }

  /** Durable size of every segment still on disk. */
  const sizes = new Map<number, number>()
  for (const s of seqs.slice(0, -1))
    sizes.set(s, (await stat(join(dir, files.segmentName(s)))).size)
  let current: { seq: number; fh: FileHandle; size: number } | undefined
  const last = seqs.at(-1)
  if (last !== undefined) {
    const fh = await open(join(dir, files.segmentName(last)), 'r+')
    current = { seq: last, fh, size: await files.truncateTornTail(fh) }
    sizes.set(last, current.size)
  }
  cursor.offset = Math.min(cursor.offset, sizes.get(cursor.segment) ?? 0)
  let seq = Math.max(last ?? 0, cursor.segment - 1)
  let total = [...sizes.values()].reduce((a, b) => a + b, 0) - cursor.offset
  let quarantined = await files.countLines(join(dir, files.QUARANTINE))

  type Pending = { parts: Uint8Array[]; bytes: number; resolve: () => void; reject: (e: unknown) => void }
  let queue: Pending[] = []
  let flushing: Promise<void> | undefined
  let closed = false
  // Writes, rolls and cursor moves take turns: none of them sees another half done.
  let turn: Promise<unknown> = Promise.resolve()
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = turn.then(fn)
    turn = p.catch(() => undefined)
    return p
  }

  async function roll(): Promise<{ seq: number; fh: FileHandle; size: number }> {
    if (current) await current.fh.close()
    seq += 1
    const fh = await open(join(dir, files.segmentName(seq)), 'a')
    await files.fsyncDir(dir) // the new segment's name must survive a crash too
    current = { seq, fh, size: 0 }
    sizes.set(seq, 0)
    return current
  }

  async function write(parts: Uint8Array[], bytes: number): Promise<void> {
    const seg = current && current.size < segmentBytes ? current : await roll()
    try {
      await writeAll(seg.fh, parts, seg.size)
      await seg.fh.datasync()
    } catch (err) {
      // A write cut short (ENOSPC) leaves part of the batch in the file: cut it off, so no record
      // that was refused can be read (and published) later; truncating needs no free space.
      await seg.fh.truncate(seg.size).catch(() => {})
      throw err
    }
    seg.size += bytes
    sizes.set(seg.seq, seg.size)
  }

  // Group commit: every record queued while one fsync runs is written by the next one.
  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue
      queue = []
      try {
        const bytes = batch.reduce((n, p) => n + p.bytes, 0)
        await serial(() => write(batch.flatMap((p) => p.parts), bytes))
        for (const p of batch) p.resolve()
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    flushing = undefined
  }

  async function advance(batch: SpoolBatch): Promise<void> {
    let next = { ...batch.position }
    if (next.offset >= (sizes.get(next.segment) ?? 0)) {
      if (current?.seq === next.segment) {
        // Everything written so far is in Kafka: the next write starts a new segment, this one goes.
        await current.fh.close()
        current = undefined
      }
      next = { segment: next.segment + 1, offset: 0 }
    }
    await files.writeCursor(dir, next)
    cursor = next
    for (const s of [...sizes.keys()].filter((s) => s < cursor.segment)) {
      await rm(join(dir, files.segmentName(s)), { force: true })
      sizes.delete(s)
    }
    total -= batch.bytes
  }

  return {
    maxBytes: opts.maxBytes,
    append(records) {
      if (closed) return Promise.reject(new Error('spool is closed'))
      const parts = recordLines(records)
      const bytes = byteLength(parts)
      if (total + bytes > opts.maxBytes) {
        return Promise.reject(new SpoolFull(`spool holds ${total} of ${opts.maxBytes} bytes`))
      }
      total += bytes
      return new Promise<void>((resolve, reject) => {
        queue.push({
          parts,
          bytes,
          resolve,
          reject: (e) => {
            total -= bytes
            reject(e)
          },
        })
        flushing ??= flush()
      })
    },
    size: () => total,
    async next(maxRecords) {
      let pos = { ...cursor }
      for (;;) {
        const size = sizes.get(pos.segment)
        if (size !== undefined && pos.offset < size) break
        const later = [...sizes.keys()].filter((s) => s > pos.segment).sort((a, b) => a - b)[0]
        if (later === undefined) return undefined
        pos = { segment: later, offset: 0 }
      }
      const size = sizes.get(pos.segment) ?? 0
      const lines = await readLines(
        join(dir, files.segmentName(pos.segment)),
        pos.offset,
        size,
        maxRecords,
      )
      const records: KafkaRecord[] = []
      const unreadable: string[] = []
      for (const line of lines.lines) {
        try {
          records.push(JSON.parse(line) as KafkaRecord)
        } catch {
          unreadable.push(line)
        }
      }
      if (unreadable.length > 0) {
        const entries = unreadable.map((line) => quarantineEntry('unreadable spool line', { line }))
        await files.appendQuarantine(
          dir,
          entries.map((e) => JSON.stringify(e)),
        )
        quarantined += unreadable.length
      }
      const position = { segment: pos.segment, offset: pos.offset + lines.bytes }
      return { records, position, bytes: lines.bytes }
    },
    ack: (batch) => serial(() => advance(batch)),
    async quarantine(rejections) {
      if (rejections.length === 0) return
      const lines = rejections.map((r) =>
        JSON.stringify(quarantineEntry(r.reason, { record: r.record })),
      )
      await files.appendQuarantine(dir, lines)
      quarantined += rejections.length
    },
    quarantined: () => quarantined,
    async close() {
      closed = true
      await flushing
      await turn
      await current?.fh.close()
      current = undefined
      await files.releaseLock(dir)
    },
  }
}

// --- Internal helpers ---

/** Writes every part at `position` on, in gather writes of at most IOV_MAX parts, resuming after a short write. */
async function writeAll(fh: FileHandle, parts: readonly Uint8Array[], position: number): Promise<void> {
  const IOV_MAX = 1024
  let i = 0
  let skip = 0 // bytes of parts[i] already written
  while (i < parts.length) {
    const group = parts.slice(i, i + IOV_MAX)
    if (skip > 0) group[0] = (group[0] as Uint8Array).subarray(skip)
    const { bytesWritten } = await fh.writev(group, position)
    position += bytesWritten
    // Move past what was written: whole parts, then into the part it stopped in.
    skip += bytesWritten
    while (i < parts.length && skip >= (parts[i] as Uint8Array).length) {
      skip -= (parts[i] as Uint8Array).length
      i++
    }
  }
}

function quarantineEntry(
  reason: string,
  what: { record: OutboundRecord } | { line: string },
): Record<string, unknown> {
  const entry = 'record' in what ? { record: decodeRecord(what.record) } : what
  return { quarantined_at: new Date().toISOString(), reason, ...entry }
}
