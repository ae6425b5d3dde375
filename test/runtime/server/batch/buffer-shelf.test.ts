import { describe, expect, it } from 'vitest'
import { createBufferShelf } from '../../../../src/runtime/server/batch/buffer-shelf.ts'

describe('batch: unit buffers are reused, within a bound', () => {
  it('hands back a shelved buffer big enough, else a new one with room', () => {
    const shelf = createBufferShelf(10 * 1024 * 1024)
    const small = new ArrayBuffer(1024 * 1024)
    const big = new ArrayBuffer(3 * 1024 * 1024)
    shelf.put(small)
    shelf.put(big)
    expect(shelf.take(2 * 1024 * 1024)).toBe(big)
    const fresh = shelf.take(2 * 1024 * 1024)
    expect(fresh).not.toBe(small)
    // A quarter more, in 64 KiB steps: the next unit often asks a little more than the last.
    expect(fresh.byteLength).toBe(2.5 * 1024 * 1024)
    expect(shelf.take(100)).toBe(small)
  })

  it('keeps no more than its room, and nothing of a buffer posted to another thread', () => {
    const shelf = createBufferShelf(2 * 1024 * 1024)
    const a = new ArrayBuffer(1024 * 1024)
    const b = new ArrayBuffer(1024 * 1024)
    const c = new ArrayBuffer(1024 * 1024)
    for (const x of [a, b, c]) shelf.put(x)
    expect(shelf.takeAll(10)).toEqual([a, b])

    const moved = new ArrayBuffer(1024)
    structuredClone(moved, { transfer: [moved] })
    shelf.put(moved)
    expect(shelf.takeAll(10)).toEqual([])
  })
})
