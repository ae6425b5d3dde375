import { describe, expect, it } from 'vitest'
import { createMemoryLimiter, createMemoryStore } from '../../src/store/memory.ts'
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

describe('store: memory (expiry)', () => {
  it('forgets expired keys as it goes: what it holds stays near one TTL of traffic', async () => {
    const c = createClock()
    const store = createMemoryStore(c)
    for (let i = 0; i < 50_000; i++) {
      await store.claim(`k${i}`, `e${i}`, 30_000)
      await store.commit(`k${i}`, { event_id: `e${i}`, outcome: 'published' }, 1_000_000) // ~17 min
      c.now += 100 // 10 events/s: one TTL of traffic is 10 000 keys
    }
    const held = Number(/(\d+) keys held/.exec((await store.ping()).detail ?? '')?.[1])
    expect(held).toBeGreaterThanOrEqual(10_000)
    expect(held).toBeLessThan(10_100)
    expect(await store.claim('k49999', 'x', 30_000)).toMatchObject({ state: 'done' })
    expect(await store.claim('k0', 'x', 30_000)).toEqual({ state: 'claimed' })
  })
})
