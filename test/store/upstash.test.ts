import { Redis } from '@upstash/redis/cloudflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUpstashStore } from '../../src/store/upstash.ts'
import { deleteKeys, startRedisServer, uniquePrefix } from '../helpers/redis-server.ts'
import { testStore } from '../helpers/store-suite.ts'
import { startUpstashRestServer, type UpstashRestServer } from '../helpers/upstash-rest-server.ts'

const prefix = uniquePrefix('upstash')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rule = { ratePerSec: 10, burst: 10 }

afterAll(() => deleteKeys(prefix))

testStore({
  name: 'upstash (@upstash/redis, REST)',
  async open() {
    const rest = await startUpstashRestServer()
    const open = () => createUpstashStore({ url: rest.url, token: rest.token, prefix })
    const [a, b] = [open(), open()]
    return { a: { store: a, limiter: a }, b: { store: b, limiter: b }, close: () => rest.close() }
  },
  elapse: async (ms) => {
    await sleep(ms)
  },
})

describe('upstash store over the REST protocol', () => {
  let rest: UpstashRestServer
  beforeAll(async () => {
    rest = await startUpstashRestServer()
  })
  afterAll(async () => rest.close())

  it('decides the limit and every claim of a request in one REST call', async () => {
    const store = createUpstashStore({ url: rest.url, token: rest.token, prefix })
    await store.take('rl:warm', rule, Date.now()) // the first call may need EVAL after NOSCRIPT
    const before = rest.requests['/'] ?? 0
    const claims = ['a', 'b', 'c'].map((k) => ({ key: `idem:one-trip:${k}`, eventId: `ev-${k}` }))
    const r = await store.limitAndClaim(
      { key: 'rl:one-trip', rule, nowMs: Date.now() },
      claims,
      30_000,
    )
    expect(r.claims).toEqual([{ state: 'claimed' }, { state: 'claimed' }, { state: 'claimed' }])
    expect((rest.requests['/'] ?? 0) - before).toBe(1)
  })

  it('fails open with reason "down" on a wrong token, and ping says why', async () => {
    const store = createUpstashStore({ url: rest.url, token: 'not-the-token', prefix })
    expect(await store.claim('idem:x', 'ev-1', 30_000)).toMatchObject({
      state: 'unavailable',
      reason: 'down',
    })
    expect(await store.ping()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/Unauthorized/),
    })
  })

  it('fails open with reason "timeout" when the endpoint does not answer in time', async () => {
    const redis = await startRedisServer()
    const slow = await startUpstashRestServer({ redisUrl: redis.url })
    try {
      await (await redis.admin()).client('PAUSE', 2000, 'ALL')
      const store = createUpstashStore({ url: slow.url, token: slow.token, prefix, timeoutMs: 100 })
      expect(await store.take('rl:x', rule, Date.now())).toMatchObject({
        ok: true,
        reason: 'timeout',
      })
    } finally {
      await redis.stop()
      await slow.close()
    }
  })

  it('serves pipelines and transactions, with per-command errors and base64 strings', async () => {
    const redis = new Redis({
      url: rest.url,
      token: rest.token,
      enableTelemetry: false,
      automaticDeserialization: false,
    })
    const k = `${prefix}proto`
    const p = redis.pipeline()
    p.set(k, 'zürich ✓')
    p.get(k)
    p.incr(k)
    expect(await p.exec({ keepErrors: true })).toEqual([
      { result: 'OK', error: undefined },
      { result: 'zürich ✓', error: undefined },
      { result: undefined, error: 'ERR value is not an integer or out of range' },
    ])
    const m = redis.multi()
    m.set(k, '41')
    m.incr(k)
    expect(await m.exec()).toEqual(['OK', 42])
    expect(rest.requests['/pipeline']).toBe(1)
    expect(rest.requests['/multi-exec']).toBe(1)
  })
})
