import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createStoreDedupe } from '../../src/batch/store-dedupe.ts'
import { openRedisStore, type RedisStore } from '../../src/runtime/server/redis-store.ts'
import type { Store } from '../../src/store/types.ts'
import { deleteKeys, startRedisServer, uniquePrefix, type RedisServer } from '../helpers/redis-server.ts'

const SHARED = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('store-dedupe')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
afterAll(() => deleteKeys(prefix))

let run = 0
/** Record keys `p<run>:<i>` for i in [from, to), with event ids `e<i>`. */
const records = (from: number, to: number, r = ++run) => {
  const keys = Array.from({ length: to - from }, (_, i) => `p${r}:${from + i}`)
  return { keys, ids: keys.map((_, i) => `e${from + i}`), run: r }
}

/** The same store without its many-key methods: what createStoreDedupe falls back to. */
const perKeyOnly = (s: Store): Store => ({
  kind: s.kind,
  shared: s.shared,
  claim: (...a) => s.claim(...a),
  commit: (...a) => s.commit(...a),
  release: (...a) => s.release(...a),
  renew: (...a) => s.renew(...a),
  ping: () => s.ping(),
})

describe.each([
  { name: 'many-key calls', view: (s: Store) => s },
  { name: 'per-key calls (a store without the many-key methods)', view: perKeyOnly },
])('batch dedupe through Redis, $name', ({ view }) => {
  let redis: RedisStore
  beforeAll(async () => {
    // A generous bound: 25 000 per-key calls on a busy CI machine must not fail open (that is tested below).
    redis = await openRedisStore({ url: SHARED, prefix, timeoutMs: 2000 })
    expect(await redis.connected(2000)).toBe(true)
  })
  afterAll(async () => redis.close())
  const dedupe = () => createStoreDedupe(view(redis))

  it('claims a new chunk, and the next chunk finds its keys as duplicates', async () => {
    const d = dedupe()
    const { keys, ids, run: r } = records(0, 4)
    expect(await d.claim(keys, ids, 30_000)).toEqual(['claimed', 'claimed', 'claimed', 'claimed'])
    await d.commit(keys, ids, 60_000)
    // An overlapping file: its first two records are the end of the previous one.
    const next = [keys[2], keys[3], `p${r}:4`, `p${r}:5`] as string[]
    expect(await d.claim(next, ['x', 'y', 'z', 'w'], 30_000)).toEqual(['duplicate', 'duplicate', 'claimed', 'claimed'])
  })

  it('answers a key twice in one chunk as a duplicate the second time', async () => {
    const { keys, ids } = records(0, 3)
    const chunk = [keys[0], keys[1], keys[0], keys[2], keys[1]] as string[]
    expect(await dedupe().claim(chunk, [...ids, 'e0b', 'e1b'], 30_000)).toEqual([
      'claimed',
      'claimed',
      'duplicate',
      'claimed',
      'duplicate',
    ])
  })

  it('answers a committed key as a duplicate in a later file', async () => {
    const d = dedupe()
    const { keys, ids } = records(0, 3)
    await d.claim(keys, ids, 30_000)
    await d.commit(keys, ids, 60_000)
    expect(await d.claim(keys, ['a', 'b', 'c'], 30_000)).toEqual(['duplicate', 'duplicate', 'duplicate'])
  })

  it('claims a released key again, so a chunk whose publish failed goes out on the retry', async () => {
    const d = dedupe()
    const { keys, ids } = records(0, 3)
    await d.claim(keys, ids, 30_000)
    await d.release(keys, ids)
    expect(await d.claim(keys, ['a', 'b', 'c'], 30_000)).toEqual(['claimed', 'claimed', 'claimed'])
  })

  it('lets an in-flight claim be taken once its TTL passed (a job that died mid-chunk)', async () => {
    const d = dedupe()
    const { keys, ids } = records(0, 2)
    await d.claim(keys, ids, 100)
    await sleep(150)
    expect(await d.claim(keys, ['a', 'b'], 30_000)).toEqual(['claimed', 'claimed'])
  })

  it('answers a key another job holds in flight as in flight, not as a duplicate (its record may never have been published)', async () => {
    const d = dedupe()
    const { keys, ids } = records(0, 2)
    await d.claim(keys, ids, 30_000) // a job that was killed before its commit
    expect(await d.claim(keys, ['a', 'b'], 30_000)).toEqual(['in_flight', 'in_flight'])
  })

  it('answers a 25 000-record chunk in place: the half seen before duplicate, the rest claimed', async () => {
    const d = dedupe()
    const first = records(0, 25_000)
    expect((await d.claim(first.keys, first.ids, 30_000)).every((s) => s === 'claimed')).toBe(true)
    await d.commit(first.keys, first.ids, 60_000)
    const second = records(12_500, 37_500, first.run)
    const states = await d.claim(second.keys, second.ids, 30_000)
    expect(states.slice(0, 12_500).every((s) => s === 'duplicate')).toBe(true)
    expect(states.slice(12_500).every((s) => s === 'claimed')).toBe(true)
  })
})

describe('batch dedupe through Redis: round trips and outages', () => {
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
  const open = async () => {
    // Counting round trips, not racing the 50 ms default bound, which a loaded machine misses.
    const s = await openRedisStore({ url: server.url, prefix, timeoutMs: 2000 })
    expect(await s.connected(2000)).toBe(true)
    store = s
    return s
  }

  it('claims and commits a 10 000-record chunk in 10 script calls each, not 10 000', async () => {
    const d = createStoreDedupe(await open())
    const warm = records(0, 1)
    await d.claim(warm.keys, warm.ids, 30_000) // loads the script
    await d.commit(warm.keys, warm.ids, 60_000)
    await admin.config('RESETSTAT')
    const { keys, ids } = records(0, 10_000)
    await d.claim(keys, ids, 30_000)
    expect(await scriptCalls()).toBe(10)
    await d.commit(keys, ids, 60_000)
    expect(await scriptCalls()).toBe(20)
  })

  it('still dedupes after the script cache was flushed (SCRIPT FLUSH, a Redis restart)', async () => {
    const d = createStoreDedupe(await open())
    const { keys, ids } = records(0, 3000)
    await admin.script('FLUSH')
    expect((await d.claim(keys, ids, 30_000)).every((s) => s === 'claimed')).toBe(true)
    await admin.script('FLUSH')
    await d.commit(keys, ids, 60_000)
    await admin.script('FLUSH')
    expect((await d.claim(keys, ids, 30_000)).every((s) => s === 'duplicate')).toBe(true)
  })

  it('publishes unguarded when Redis is down, and a repeat within the chunk still as a duplicate', async () => {
    const down = await startRedisServer()
    await down.kill()
    const s = await openRedisStore({ url: down.url, prefix })
    store = s
    const { keys, ids } = records(0, 2500)
    const states = await createStoreDedupe(s).claim([...keys, keys[0] ?? ''], [...ids, 'again'], 30_000)
    expect(states.slice(0, 2500).every((st) => st === 'unguarded')).toBe(true)
    expect(states[2500]).toBe('duplicate')
  })
})
