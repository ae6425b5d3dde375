/** @module UUIDv7 event ids for batch records, with the random bits drawn in bulk. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const POOL_IDS = 4096

/**
 * Same layout as message/uuidv7.ts (RFC 9562: 48-bit ms time, version 7, variant 10), but one
 * getRandomValues call per 4096 ids: per id, that call alone was the largest cost of a record.
 */
export function createEventIds(): (nowMs: number) => string {
  const pool = new Uint8Array(POOL_IDS * 10)
  let at = pool.length
  // A job stamps every record with the same time: its 13 characters are built once.
  let lastMs = Number.NaN
  let prefix = ''
  return (nowMs) => {
    if (at === pool.length) {
      crypto.getRandomValues(pool)
      at = 0
    }
    if (nowMs !== lastMs) {
      lastMs = nowMs
      let ms = Math.floor(nowMs)
      let time = ''
      for (let i = 0; i < 6; i++) {
        time = HEX[ms % 256] + time
        ms = Math.floor(ms / 256)
      }
      prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`
    }
    const r = pool
    const a = at
    at += 10
    // No closures here: this runs once per record.
    return (
      prefix +
      (HEX[(r[a] as number) & 0x0f] as string)[1] +
      HEX[r[a + 1] as number] +
      '-' +
      HEX[0x80 | ((r[a + 2] as number) & 0x3f)] +
      HEX[r[a + 3] as number] +
      '-' +
      HEX[r[a + 4] as number] +
      HEX[r[a + 5] as number] +
      HEX[r[a + 6] as number] +
      HEX[r[a + 7] as number] +
      HEX[r[a + 8] as number] +
      HEX[r[a + 9] as number]
    )
  }
}

/**
 * The seed of a pulled file's event ids: 128 bits of SHA-256 over its source, key and content
 * checksum, so a record published again after a crash (between its fsync and the checkpoint)
 * carries the event id it carried the first time, and another file's records other ids.
 */
export async function fileIdSeed(source: string, key: string, sha256: string): Promise<string> {
  const bytes = new TextEncoder().encode(`txgate-file-ids\u0000${source}\u0000${key}\u0000${sha256}`)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest.subarray(0, 16), (b) => HEX[b] as string).join('')
}

/**
 * Deterministic UUIDv7 ids for one file's records: the time is fixed (the file's first attempt),
 * 42 random bits come from the seed, and the last 32 are a bijection (murmur3's finalizer) of the
 * record's line or row number mixed with the seed: unique within a file of up to 2^32 lines.
 */
export function createFileEventIds(seedHex: string, timeMs: number): (index: number) => string {
  const word = (i: number) => Number.parseInt(seedHex.slice(i * 8, i * 8 + 8), 16) >>> 0
  const [s0, s1, s2, s3] = [word(0), word(1), word(2), word(3)]
  let ms = Math.floor(timeMs)
  let time = ''
  for (let i = 0; i < 6; i++) {
    time = (HEX[ms % 256] as string) + time
    ms = Math.floor(ms / 256)
  }
  const hex = (n: number, digits: number) => (n >>> 0).toString(16).padStart(digits, '0').slice(-digits)
  // Everything but the last 8 hex digits is the same for every record of the file.
  const prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(s0 >>> 20, 3)}-${hex(0x8000 | (s1 & 0x3fff), 4)}-${hex(s2 & 0xffff, 4)}`
  return (index) => prefix + hex(fmix32((index ^ s3) >>> 0), 8)
}

/** murmur3's 32-bit finalizer: a bijection on 32-bit integers that spreads every input bit. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
