import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  openRedisStore,
  redactUrl,
  type RedisStore,
} from '../../../src/runtime/server/redis-store.ts'
import {
  deleteKeys,
  startRedisServer,
  uniquePrefix,
  type RedisServer,
} from '../../helpers/redis-server.ts'
import { testStore } from '../../helpers/store-suite.ts'

const SHARED = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('redis-store')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rule = { ratePerSec: 10, burst: 10 }

afterAll(() => deleteKeys(prefix))

testStore({
  name: 'redis (ioredis, TCP)',
  async open() {
    const a = await openRedisStore({ url: SHARED, prefix })
    const b = await openRedisStore({ url: SHARED, prefix })
    await Promise.all([a.connected(2000), b.connected(2000)])
    return {
      a: { store: a, limiter: a },
      b: { store: b, limiter: b },
      close: async () => {
        await a.close()
        await b.close()
      },
    }
  },
  elapse: async (ms) => {
    await sleep(ms)
  },
})

describe('redis store (ioredis): when Redis is slow, down, or back', () => {
  let server: RedisServer | undefined
  let store: RedisStore | undefined
  afterEach(async () => {
    await store?.close()
    await server?.stop()
    store = server = undefined
  })

  it('fails open with reason "timeout" when Redis does not answer within the timeout', async () => {
    server = await startRedisServer()
    store = await openRedisStore({ url: server.url, prefix, timeoutMs: 50 })
    expect(await store.connected(2000)).toBe(true)
    const admin = await server.admin()
    await admin.client('PAUSE', 1000, 'ALL')
    expect(await store.claim('idem:x', 'ev-1', 30_000)).toMatchObject({
      state: 'unavailable',
      reason: 'timeout',
    })
    expect(await store.take('rl:x', rule, Date.now())).toMatchObject({
      ok: true,
      reason: 'timeout',
    })
    expect(await store.ping()).toMatchObject({ ok: false, kind: 'redis' })
  })

  it('fails open with reason "down" when nothing listens, and says so in ping', async () => {
    server = await startRedisServer()
    await server.kill()
    store = await openRedisStore({ url: server.url.replace('//', '//:s3cret-pass@'), prefix })
    expect(await store.claim('idem:x', 'ev-1', 30_000)).toMatchObject({
      state: 'unavailable',
      reason: 'down',
    })
    const admission = await store.limitAndClaim(
      { key: 'rl:x', rule, nowMs: Date.now() },
      [{ key: 'k', eventId: 'e' }],
      1000,
    )
    expect(admission).toMatchObject({
      limit: { ok: true, reason: 'down' },
      claims: [{ state: 'unavailable', reason: 'down' }],
    })
    const health = await store.ping()
    expect(health.ok).toBe(false)
    expect(health.detail).toMatch(/failed open 2× since start/)
    expect(health.detail).not.toContain('s3cret-pass')
  })

  it('guards again by itself once Redis is back (no restart of the gateway)', async () => {
    server = await startRedisServer()
    store = await openRedisStore({ url: server.url, prefix })
    expect(await store.connected(2000)).toBe(true)
    await server.kill()
    expect(await store.claim('idem:back', 'ev-1', 30_000)).toMatchObject({ state: 'unavailable' })
    await server.restart()
    expect(await store.connected(5000)).toBe(true)
    expect(await store.claim('idem:back', 'ev-2', 30_000)).toEqual({ state: 'claimed' })
    expect(await store.claim('idem:back', 'ev-3', 30_000)).toEqual({
      state: 'in_flight',
      eventId: 'ev-2',
    })
  })
})

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('redis://default:hunter2@cache.internal:6380/2')).toBe(
      'redis://default:***@cache.internal:6380/2',
    )
    expect(redactUrl('rediss://cache.internal:6380')).toBe('rediss://cache.internal:6380')
  })
})

describe('redis store (ioredis): the timeout measures Redis, not this process', () => {
  it('does not fail open when the answer arrived while this process was busy past the deadline', async () => {
    const store = await openRedisStore({ url: SHARED, prefix, timeoutMs: 50 })
    try {
      expect(await store.connected(2000)).toBe(true)
      const claim = store.claim('idem:busy', 'ev-1', 30_000)
      const until = Date.now() + 150
      while (Date.now() < until) {
        // A synchronous burst (signature checks, JSON parsing of other requests) past the timeout.
      }
      expect(await claim).toEqual({ state: 'claimed' })
    } finally {
      await store.close()
    }
  })
})
