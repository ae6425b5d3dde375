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
  return (nowMs) => {
    if (at === pool.length) {
      crypto.getRandomValues(pool)
      at = 0
    }
    let ms = Math.floor(nowMs)
    let time = ''
    for (let i = 0; i < 6; i++) {
      time = HEX[ms % 256] + time
      ms = Math.floor(ms / 256)
    }
    const r = pool.subarray(at, at + 10)
    at += 10
    const h = (i: number) => HEX[r[i] ?? 0]
    return (
      `${time.slice(0, 8)}-${time.slice(8, 12)}-` +
      `7${HEX[(r[0] ?? 0) & 0x0f]?.[1]}${h(1)}-` +
      `${HEX[0x80 | ((r[2] ?? 0) & 0x3f)]}${h(3)}-` +
      `${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}${h(9)}`
    )
  }
}
