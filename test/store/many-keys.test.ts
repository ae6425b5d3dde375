import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openRedisStore, type RedisStore } from '../../src/runtime/server/redis-store.ts'
import { createMemoryStore } from '../../src/store/memory.ts'
import { KEYS_PER_CALL } from '../../src/store/redis-state.ts'
import type { ClaimRequest, Store } from '../../src/store/types.ts'
import { createUpstashStore } from '../../src/store/upstash.ts'
import { createClock } from '../helpers/fakes.ts'
import { deleteKeys, startRedisServer, uniquePrefix, type RedisServer } from '../helpers/redis-server.ts'
import { startUpstashRestServer } from '../helpers/upstash-rest-server.ts'

const SHARED = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('many-keys')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
afterAll(() => deleteKeys(prefix))

let run = 0
/** `n` fresh keys, claimed by event ids `ev-<i>`. */
const chunk = (n: number, what = 'k'): ClaimRequest[] => {
  const r = ++run
  return Array.from({ length: n }, (_, i) => ({ key: `idem:batch:${what}:${r}:${i}`, eventId: `ev-${i}` }))
}
const states = (results: readonly { state: string }[]) => results.map((c) => c.state)

type ManyKeyStore = Store & Required<Pick<Store, 'claimMany' | 'commitMany' | 'releaseMany'>>
type Case = { name: string; open(): Promise<{ store: ManyKeyStore; close(): Promise<void> }>; elapse(ms: number): Promise<void> }

const clock = createClock()
const cases: Case[] = [
  {
    name: 'memory',
    open: async () => ({ store: createMemoryStore(clock) as ManyKeyStore, close: async () => {} }),
    elapse: async (ms) => {
      clock.now += ms
    },
  },
  {
    name: 'redis (ioredis, TCP)',
    async open() {
      const store = await openRedisStore({ url: SHARED, prefix })
      await store.connected(2000)
      return { store, close: () => store.close() }
    },
    elapse: sleep,
  },
  {
    name: 'upstash (@upstash/redis, REST)',
    async open() {
      const rest = await startUpstashRestServer()
      return { store: createUpstashStore({ url: rest.url, token: rest.token, prefix }), close: () => rest.close() }
    },
    elapse: sleep,
  },
]

describe.each(cases)('store: many keys at once, $name', (c) => {
  let store: ManyKeyStore
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ store, close } = await c.open())
  })
  afterAll(async () => close())

  it('claims a chunk of free keys, and a second claim sees each in flight under its own event id', async () => {
    const claims = chunk(5)
    expect(states(await store.claimMany(claims, 30_000))).toEqual(Array(5).fill('claimed'))
    const again = claims.map((cl) => ({ ...cl, eventId: 'other' }))
    expect(await store.claimMany(again, 30_000)).toEqual(claims.map((cl) => ({ state: 'in_flight', eventId: cl.eventId })))
  })

  it('answers with each state in place when a chunk mixes new, in-flight and done keys', async () => {
    const [held, done, free] = chunk(3)
    if (!held || !done || !free) throw new Error('three keys expected')
    await store.claim(held.key, 'ev-held', 30_000)
    await store.claim(done.key, 'ev-done', 30_000)
    await store.commit(done.key, { event_id: 'ev-done', outcome: 'dlq' }, 60_000)
    expect(await store.claimMany([held, free, done], 30_000)).toEqual([
      { state: 'in_flight', eventId: 'ev-held' },
      { state: 'claimed' },
      { state: 'done', answer: { event_id: 'ev-done', outcome: 'dlq' } },
    ])
  })

  it('claims a key given twice in one call only once', async () => {
    const [a] = chunk(1)
    if (!a) throw new Error('one key expected')
    const results = await store.claimMany([a, { ...a, eventId: 'ev-again' }], 30_000)
    expect(states(results).filter((s) => s === 'claimed')).toHaveLength(1)
  })

  it('answers later claims with the committed answer, as the single-key claim reads it', async () => {
    const claims = chunk(4)
    await store.claimMany(claims, 30_000)
    await store.commitMany(claims.map((cl) => ({ key: cl.key, answer: { event_id: cl.eventId, outcome: 'published' } })), 60_000)
    expect(await store.claimMany(claims, 30_000)).toEqual(
      claims.map((cl) => ({ state: 'done', answer: { event_id: cl.eventId, outcome: 'published' } })),
    )
    expect(await store.claim(claims[0]?.key ?? '', 'x', 30_000)).toEqual({
      state: 'done',
      answer: { event_id: 'ev-0', outcome: 'published' },
    })
  })

  it("releases the keys a chunk holds, and leaves a key another event holds now", async () => {
    const claims = chunk(3)
    await store.claimMany(claims, 30_000)
    await store.releaseMany(claims)
    const next = claims.map((cl) => ({ ...cl, eventId: `${cl.eventId}-retry` }))
    expect(states(await store.claimMany(next, 30_000))).toEqual(['claimed', 'claimed', 'claimed'])
    await store.releaseMany(claims) // the first holders are gone: a stale release
    expect(await store.claimMany(claims, 30_000)).toEqual(next.map((cl) => ({ state: 'in_flight', eventId: cl.eventId })))
  })

  it('lets a claim whose in-flight TTL passed be taken again (a crashed job does not block the file)', async () => {
    const claims = chunk(3)
    await store.claimMany(claims, 100)
    await c.elapse(150)
    expect(states(await store.claimMany(claims, 30_000))).toEqual(['claimed', 'claimed', 'claimed'])
  })

  it('answers 25 000 keys in order across its parts', async () => {
    const claims = chunk(25_000, 'large')
    const first = await store.claimMany(claims, 30_000)
    expect(first).toHaveLength(25_000)
    expect(first.every((r) => r.state === 'claimed')).toBe(true)
    // A part boundary off by one would answer a neighbour's event id.
    const again = await store.claimMany(claims, 30_000)
    expect(again.map((r) => (r.state === 'in_flight' ? r.eventId : r.state))).toEqual(claims.map((cl) => cl.eventId))
  })
})

describe('store: many keys at once over Redis (ioredis): scripts, outages', () => {
  let server: RedisServer
  let admin: Redis
  let store: RedisStore | undefined
  beforeAll(async () => {
    server = await startRedisServer()
    admin = await server.admin()
  })
  afterEach(async () => {
    await store?.close()
    store = undefined
  })
  afterAll(async () => server.stop())

  const scriptCalls = async () => {
    const info = await admin.info('commandstats')
    let calls = 0
    for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2])
    return calls
  }

  it(`claims 25 000 keys in one script call per ${KEYS_PER_CALL} keys`, async () => {
    store = await openRedisStore({ url: server.url, prefix })
    expect(await store.connected(2000)).toBe(true)
    await store.claimMany(chunk(1), 30_000) // loads the script (EVALSHA, NOSCRIPT, EVAL)
    await admin.config('RESETSTAT')
    await store.claimMany(chunk(25_000), 30_000)
    expect(await scriptCalls()).toBe(Math.ceil(25_000 / KEYS_PER_CALL))
  })

  it('runs the scripts again after SCRIPT FLUSH (EVAL on NOSCRIPT), for claim, commit and release', async () => {
    store = await openRedisStore({ url: server.url, prefix })
    expect(await store.connected(2000)).toBe(true)
    const claims = chunk(2500)
    await admin.script('FLUSH')
    expect(states(await store.claimMany(claims, 30_000)).every((s) => s === 'claimed')).toBe(true)
    await admin.script('FLUSH')
    await store.releaseMany(claims.slice(0, 10))
    await admin.script('FLUSH')
    await store.commitMany(claims.slice(10).map((cl) => ({ key: cl.key, answer: { event_id: cl.eventId, outcome: 'published' } })), 60_000)
    const again = states(await store.claimMany(claims, 30_000))
    expect(again.slice(0, 10)).toEqual(Array(10).fill('claimed'))
    expect(again.slice(10).every((s) => s === 'done')).toBe(true)
  })

  it('fails open for every key when Redis is down, and rejects commit and release', async () => {
    const down = await startRedisServer()
    await down.kill()
    store = await openRedisStore({ url: down.url, prefix })
    const claims = chunk(2500)
    const results = await store.claimMany(claims, 30_000)
    expect(results).toHaveLength(2500)
    expect(results.every((r) => r.state === 'unavailable' && r.reason === 'down')).toBe(true)
    const commits = claims.map((cl) => ({ key: cl.key, answer: { event_id: cl.eventId, outcome: 'published' as const } }))
    await expect(store.commitMany(commits, 60_000)).rejects.toThrow(/2500 of 2500 keys not written/)
    await expect(store.releaseMany(claims)).rejects.toThrow(/not written/)
    expect((await store.ping()).detail).toMatch(/failed open \d+× since start/)
  })
})
