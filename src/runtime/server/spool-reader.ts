/** @module Reading the spool: records after the cursor, for the replay and for `txgate spool dump`. */
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KafkaRecord } from '../../publish/types.ts'
import * as files from './spool-files.ts'
import type { SpoolPosition } from './spool-files.ts'

const READ_BYTES = 4 * 1024 * 1024

/** Reads every record the cursor has not passed, oldest first, optionally of one topic. */
export async function* readSpool(dir: string, topic?: string): AsyncGenerator<KafkaRecord> {
  let seqs: number[]
  let cursor: SpoolPosition | undefined
  try {
    seqs = await files.listSegments(dir)
    cursor = await files.readCursor(dir)
  } catch {
    return
  }
  for (const s of seqs) {
    if (cursor && s < cursor.segment) continue
    const bytes = await readFile(join(dir, files.segmentName(s)))
    const text = bytes.subarray(cursor?.segment === s ? cursor.offset : 0).toString('utf8')
    const end = text.lastIndexOf('\n')
    if (end < 0) continue
    for (const line of text.slice(0, end).split('\n')) {
      if (!line) continue
      const record = JSON.parse(line) as KafkaRecord
      if (topic === undefined || record.topic === topic) yield record
    }
  }
}

export /** Complete lines from `offset` up to `end`, at most `max` of them, and the bytes they span. */
async function readLines(
  path: string,
  offset: number,
  end: number,
  max: number,
): Promise<{ lines: string[]; bytes: number }> {
  const fh = await open(path, 'r')
  try {
    let length = Math.min(end - offset, READ_BYTES)
    for (;;) {
      const buf = Buffer.alloc(length)
      const { bytesRead } = await fh.read(buf, 0, length, offset)
      const lines: string[] = []
      let start = 0
      while (lines.length < max) {
        const nl = buf.indexOf(0x0a, start)
        if (nl < 0 || nl >= bytesRead) break
        if (nl > start) lines.push(buf.toString('utf8', start, nl))
        start = nl + 1
      }
      // One record larger than the read window: read a bigger window.
      if (start === 0 && offset + length < end) {
        length = Math.min(end - offset, length * 2)
        continue
      }
      return { lines, bytes: start }
    }
  } finally {
    await fh.close()
  }
}
