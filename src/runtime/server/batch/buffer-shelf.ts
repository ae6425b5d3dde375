/**
 * @module Unit buffers whose records have been published, kept for the next units.
 *
 * A unit's records are JSON lines in one buffer of a few MB. Left to the garbage collector, dead
 * ones piled up to V8's 64 MB external-memory trigger on every thread that held them (measured:
 * ~90 MB of ArrayBuffers on a thread whose live units were ~25 MB). Reused, a job holds about
 * what it needs: the units of the chunk being published and of the one being filled.
 */

export type BufferShelf = {
  /** A buffer no one reads any more; beyond the shelf's room it is left to the garbage collector. */
  put(buffer: ArrayBuffer): void
  /** A shelved buffer of at least `bytes`, else a new one. */
  take(bytes: number): ArrayBuffer
  /** Up to `max` shelved buffers, taken off the shelf (to hand to a worker). */
  takeAll(max: number): ArrayBuffer[]
}

/** New buffers are rounded up to this, with a quarter more: the next unit often asks a little more. */
const GRAIN = 64 * 1024

/**
 * `roomBytes`: what the shelf keeps. Two chunks of 10 000 records of ~1 KB circulate in a job;
 * buffers come back a chunk at a time.
 */
export function createBufferShelf(roomBytes = 24 * 1024 * 1024): BufferShelf {
  const shelf: ArrayBuffer[] = []
  let held = 0
  return {
    put(buffer) {
      // A detached buffer (posted to another thread) has no bytes left to reuse.
      if (buffer.byteLength === 0 || held + buffer.byteLength > roomBytes) return
      shelf.push(buffer)
      held += buffer.byteLength
    },
    take(bytes) {
      const i = shelf.findIndex((b) => b.byteLength >= bytes)
      if (i < 0) return new ArrayBuffer(Math.ceil((bytes * 1.25) / GRAIN) * GRAIN)
      const [buffer] = shelf.splice(i, 1) as [ArrayBuffer]
      held -= buffer.byteLength
      return buffer
    },
    takeAll(max) {
      const taken = shelf.splice(0, max)
      for (const b of taken) held -= b.byteLength
      return taken
    },
  }
}
