import { describe, expect, it } from 'vitest'
import { createMemoryLimiter, createMemoryStore } from '../../src/store/memory.ts'
import type { Store } from '../../src/store/types.ts'
import { createClock } from '../helpers/fakes.ts'
import { testStore } from '../helpers/store-suite.ts'

const clock = createClock()

testStore({
  name: 'memory',
  async open() {
    const pair = () => ({ store: createMemoryStore(clock), limiter: createMemoryLimiter() })
    return { a: pair(), b: pair(), close: async () => {} }
  },
  async elapse(ms) {
    clock.now += ms
  },
})

const heldKeys = async (store: Store) => Number(/(\d+) of at most/.exec((await store.ping()).detail ?? '')?.[1])

describe('store: memory (expiry)', () => {
  it('forgets expired keys as it goes: what it holds stays near one TTL of traffic', async () => {
    const c = createClock()
    const store = createMemoryStore(c)
    for (let i = 0; i < 50_000; i++) {
      await store.claim(`k${i}`, `e${i}`, 30_000)
      await store.commit(`k${i}`, { event_id: `e${i}`, outcome: 'published' }, 1_000_000) // ~17 min
      c.now += 100 // 10 events/s: one TTL of traffic is 10 000 keys
    }
    const held = await heldKeys(store)
    expect(held).toBeGreaterThanOrEqual(10_000)
    expect(held).toBeLessThan(10_100)
    expect(await store.claim('k49999', 'x', 30_000)).toMatchObject({ state: 'done' })
    expect(await store.claim('k0', 'x', 30_000)).toEqual({ state: 'claimed' })
  })

  it('holds at most maxKeys: past the cap the oldest answers are forgotten early, once told', async () => {
    const c = createClock()
    const told: number[] = []
    const store = createMemoryStore(c, { maxKeys: 1000, onEvict: (held) => told.push(held) })
    for (let i = 0; i < 5000; i++) {
      await store.claim(`k${i}`, `e${i}`, 30_000)
      await store.commit(`k${i}`, { event_id: `e${i}`, outcome: 'published' }, 86_400_000)
    }
    expect(await heldKeys(store)).toBe(1000)
    expect(told).toEqual([1001]) // one warning for the spell, not one per request
    expect(await store.claim('k4999', 'x', 30_000)).toMatchObject({ state: 'done' })
    expect(await store.claim('k4000', 'x', 30_000)).toMatchObject({ state: 'done' })
    expect(await store.claim('k0', 'x', 30_000)).toEqual({ state: 'claimed' })
  })
})
