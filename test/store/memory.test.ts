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
