/** @module What a file is: gzip by its magic bytes, the format by its name, then by its content. */
import type { BatchFormat } from '../../../batch/mapping.ts'

const GZIP = [0x1f, 0x8b]
const PARQUET = [0x50, 0x41, 0x52, 0x31] // "PAR1", at both ends of a Parquet file

export const isGzip = (head: Uint8Array): boolean => head[0] === GZIP[0] && head[1] === GZIP[1]
export const isParquet = (head: Uint8Array): boolean => PARQUET.every((b, i) => head[i] === b)

/** Strips `.gz` and reads the extension; undefined when the name says nothing. */
export function formatFromName(name: string): BatchFormat | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name.replace(/\.gz$/i, ''))?.[1]?.toLowerCase()
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv'
  if (ext === 'ndjson' || ext === 'jsonl' || ext === 'json') return 'ndjson'
  if (ext === 'parquet' || ext === 'pq') return 'parquet'
  return undefined
}

/** By content: Parquet's magic; a first non-blank `{` is NDJSON; anything else is taken as CSV. */
export function formatFromContent(head: Uint8Array): BatchFormat {
  if (isParquet(head)) return 'parquet'
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++
  return head[i] === 0x7b ? 'ndjson' : 'csv'
}

/**
 * The mapping's declared format wins; then the name; the content settles a name that says
 * nothing. A name that contradicts the content (a Parquet file named .csv) is refused.
 */
export function detectFormat(
  declared: BatchFormat | undefined,
  name: string,
  head: Uint8Array,
): { ok: true; format: BatchFormat } | { ok: false; reason: string } {
  const byContent = formatFromContent(head)
  const claimed = declared ?? formatFromName(name)
  if (claimed === undefined) return { ok: true, format: byContent }
  if ((claimed === 'parquet') !== (byContent === 'parquet')) {
    return { ok: false, reason: `the file is declared ${claimed} but its content reads as ${byContent}` }
  }
  return { ok: true, format: claimed }
}
