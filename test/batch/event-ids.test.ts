import { describe, expect, it } from 'vitest'
import { createFileEventIds, fileIdSeed } from '../../src/batch/event-ids.ts'

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('batch: a pulled file’s event ids', () => {
  it('are UUIDv7 at the given time, the same for the same record in every attempt, and distinct across records', async () => {
    const seed = await fileIdSeed('acme-sftp', '/out/day1.csv', 'a'.repeat(64))
    const t = Date.UTC(2026, 11, 7, 21, 0, 0)
    const first = createFileEventIds(seed, t)
    const again = createFileEventIds(seed, t)
    const ids = Array.from({ length: 100_000 }, (_, i) => first(i + 2))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 50)) expect(id).toMatch(UUIDV7)
    expect(Number.parseInt(ids[0]!.replaceAll('-', '').slice(0, 12), 16)).toBe(t)
    expect(again(5000)).toBe(first(5000))
  })

  it('differ for another source, key or content, and for another first-attempt time', async () => {
    const t = Date.UTC(2026, 11, 7)
    const base = createFileEventIds(await fileIdSeed('s', 'k', 'a'.repeat(64)), t)(10)
    expect(createFileEventIds(await fileIdSeed('s2', 'k', 'a'.repeat(64)), t)(10)).not.toBe(base)
    expect(createFileEventIds(await fileIdSeed('s', 'k2', 'a'.repeat(64)), t)(10)).not.toBe(base)
    expect(createFileEventIds(await fileIdSeed('s', 'k', 'b'.repeat(64)), t)(10)).not.toBe(base)
    expect(createFileEventIds(await fileIdSeed('s', 'k', 'a'.repeat(64)), t + 1)(10)).not.toBe(base)
  })
})
