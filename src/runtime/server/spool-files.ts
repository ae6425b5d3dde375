/** @module The spool's files: segment names, the replay cursor, the lock, torn tails, the quarantine. */
import { open, readdir, readFile, rename, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { isProcessAlive } from './process-alive.ts'

/** The first byte Kafka has not acknowledged: segment number and byte offset in it. */
export type SpoolPosition = { segment: number; offset: number }

const SEGMENT = /^(\d{20})\.ndjson$/
const CURSOR = 'CURSOR'
export const QUARANTINE = 'rejected.ndjson'

export const segmentName = (seq: number): string => `${String(seq).padStart(20, '0')}.ndjson`

/** Segment numbers in the directory, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .map((n) => SEGMENT.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

export async function readCursor(dir: string): Promise<SpoolPosition | undefined> {
  let text: string
  try {
    text = await readFile(join(dir, CURSOR), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const c = JSON.parse(text) as Partial<SpoolPosition>
  if (!Number.isSafeInteger(c.segment) || !Number.isSafeInteger(c.offset)) {
    throw new Error(`${join(dir, CURSOR)} is damaged: ${text.slice(0, 100)}`)
  }
  return { segment: c.segment ?? 0, offset: c.offset ?? 0 }
}

/** Atomically: a crash leaves the old cursor or the new one, never half of one. */
export async function writeCursor(dir: string, c: SpoolPosition): Promise<void> {
  const tmp = join(dir, `${CURSOR}.tmp`)
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(JSON.stringify(c))
    await fh.datasync()
  } finally {
    await fh.close()
  }
  await rename(tmp, join(dir, CURSOR))
  await fsyncDir(dir)
}

/** A crash mid-write leaves a torn last line that was never acknowledged: cut it off. */
export async function truncateTornTail(fh: FileHandle): Promise<number> {
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

/** Appends lines to the quarantine file and fsyncs it. */
export async function appendQuarantine(dir: string, lines: readonly string[]): Promise<void> {
  const fh = await open(join(dir, QUARANTINE), 'a')
  try {
    await fh.writeFile(lines.map((l) => l + '\n').join(''))
    await fh.datasync()
  } finally {
    await fh.close()
  }
}

export async function countLines(path: string): Promise<number> {
  try {
    const text = await readFile(path, 'utf8')
    return text.split('\n').filter(Boolean).length
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * One writer per directory: a lock file holding the pid; a dead holder's lock is stale, and so is
 * one naming this very process (an earlier process with the same pid: pid 1 in a container).
 * `name` and `what`: another lock in the directory (the DLQ re-send's) and how its error names it.
 */
export async function takeLock(dir: string, name = 'LOCK', what = `spool ${dir}`): Promise<void> {
  const path = join(dir, name)
  try {
    const fh = await open(path, 'wx')
    await fh.writeFile(String(process.pid))
    await fh.close()
    return
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const holder = Number((await readFile(path, 'utf8')).trim())
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
    throw new LockHeld(`${what} is in use by process ${holder}`)
  }
  // The holder is gone (crash or kill -9): the lock is stale.
  await rm(path, { force: true })
  return takeLock(dir, name, what)
}

/** A live process holds the lock: the caller may try again once it is done. */
export class LockHeld extends Error {
  override readonly name = 'LockHeld'
}

export const releaseLock = (dir: string, name = 'LOCK'): Promise<void> => rm(join(dir, name), { force: true })

// --- Internal helpers ---

