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
