import { describe, expect, it } from 'vitest'
import { createLocalDedupe, dedupeFor } from '../../src/batch/dedupe.ts'
import { createMemoryStore } from '../../src/store/memory.ts'

describe('in-process batch dedupe', () => {
  it('answers a key claimed or committed before as a duplicate, and a key twice in one chunk the second time', async () => {
    const d = createLocalDedupe({ clock: () => 1_000_000 })
    expect(await d.claim(['p:1', 'p:2', 'p:1'], ['e1', 'e2', 'e3'], 30_000)).toEqual(['claimed', 'claimed', 'duplicate'])
    await d.commit(['p:1', 'p:2'], ['e1', 'e2'], 86_400_000)
    expect(await d.claim(['p:2', 'p:3'], ['e4', 'e5'], 30_000)).toEqual(['duplicate', 'claimed'])
  })

  it('forgets a released key, so a failed chunk can be published again', async () => {
    const d = createLocalDedupe({ clock: () => 1_000_000 })
    await d.claim(['p:1'], ['e1'], 30_000)
    await d.release(['p:1'], ['e1'])
    expect(await d.claim(['p:1'], ['e2'], 30_000)).toEqual(['claimed'])
  })

  it('forgets a key once its TTL has passed', async () => {
    let now = 1_000_000
    const d = createLocalDedupe({ clock: () => now })
    await d.claim(['p:1'], ['e1'], 30_000)
    await d.commit(['p:1'], ['e1'], 60_000)
    now += 59_000
    expect(await d.claim(['p:1'], ['e2'], 30_000)).toEqual(['duplicate'])
    now += 2_000
    expect(await d.claim(['p:1'], ['e3'], 30_000)).toEqual(['claimed'])
  })

  it('commits the keys of a claim that turned a generation over, and keys claimed before another claim', async () => {
    let now = 1_000_000
    const d = createLocalDedupe({ clock: () => now, maxKeys: 4 })
    await d.claim(['p:a', 'p:b', 'p:c'], ['1', '2', '3'], 30_000) // p:c makes the young generation old
    await d.commit(['p:a', 'p:c'], ['1', '3'], 86_400_000)
    await d.claim(['p:x'], ['4'], 30_000)
    await d.commit(['p:b'], ['2'], 86_400_000) // not the last claim's keys
    now += 60_000 // past the in-flight TTL: only a commit keeps a key
    expect(await d.claim(['p:a', 'p:b', 'p:c', 'p:x'], ['5', '6', '7', '8'], 30_000)).toEqual(['duplicate', 'duplicate', 'duplicate', 'claimed'])
  })

  it('holds at most maxKeys keys, forgetting the oldest first', async () => {
    const d = createLocalDedupe({ clock: () => 1_000_000, maxKeys: 4 })
    const keys = ['p:1', 'p:2', 'p:3', 'p:4', 'p:5', 'p:6', 'p:7']
    await d.claim(keys, keys, 30_000)
    await d.commit(keys, keys, 86_400_000)
    expect(d.size).toBeLessThanOrEqual(4)
    // The newest keys are still remembered; the oldest are forgotten.
    expect(await d.claim(['p:7', 'p:6', 'p:5'], ['a', 'b', 'c'], 30_000)).toEqual(['duplicate', 'duplicate', 'duplicate'])
    expect(await d.claim(['p:1'], ['d'], 30_000)).toEqual(['claimed'])
  })

  it('stays bounded over three million keys', async () => {
    const d = createLocalDedupe({ clock: () => 1_000_000, maxKeys: 1000 })
    for (let chunk = 0; chunk < 300; chunk++) {
      const keys = Array.from({ length: 10_000 }, (_, i) => `p:${chunk * 10_000 + i}`)
      await d.claim(keys, keys, 30_000)
      await d.commit(keys, keys, 86_400_000)
      expect(d.size).toBeLessThanOrEqual(1000)
    }
  })

  it('gives every job of a process the same table for one in-process store', async () => {
    const store = createMemoryStore(() => 1_000_000)
    const a = dedupeFor(store, () => 1_000_000)
    await a.claim(['p:1'], ['e1'], 30_000)
    expect(await dedupeFor(store, () => 1_000_000).claim(['p:1'], ['e2'], 30_000)).toEqual(['duplicate'])
    expect(await dedupeFor(createMemoryStore(() => 1_000_000), () => 1_000_000).claim(['p:1'], ['e3'], 30_000)).toEqual(['claimed'])
  })
})
