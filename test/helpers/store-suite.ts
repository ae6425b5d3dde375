/**
 * The conformance suite every Store + Limiter runs (unstorage's testDriver): memory, Redis over
 * TCP, Upstash over REST. Each case is a behaviour the pipeline relies on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RateLimitRule } from '../../src/provider/types.ts'
import type { Limiter, Store } from '../../src/store/types.ts'

export type StatePair = { store: Store; limiter: Limiter }

export type StoreCase = {
  name: string
  /** Two instances of the store; for a shared store they see the same state (two gateway processes). */
  open(): Promise<{ a: StatePair; b: StatePair; close(): Promise<void> }>
  /** Lets `ms` pass for TTLs: a clock for memory, real time for Redis. */
  elapse(ms: number): Promise<void>
}

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
const rule: RateLimitRule = { ratePerSec: 1, burst: 3 }

export function testStore(c: StoreCase): void {
  describe(`store: ${c.name}`, () => {
    let a: StatePair
    let b: StatePair
    let close: () => Promise<void>
    let n = 0
    // Keys unique per case, so cases do not see each other's state.
    const key = (what: string) => `${what}:${++n}`

    beforeAll(async () => {
      ;({ a, b, close } = await c.open())
    })
    afterAll(async () => close())

    it('claims a free key, and a second claim sees it in flight under the first event id', async () => {
      const k = key('idem')
      expect(await a.store.claim(k, 'ev-1', 30_000)).toEqual({ state: 'claimed' })
      expect(await a.store.claim(k, 'ev-2', 30_000)).toEqual({
        state: 'in_flight',
        eventId: 'ev-1',
      })
    })

    it('answers later claims with the committed answer', async () => {
      const k = key('idem')
      await a.store.claim(k, 'ev-1', 30_000)
      await a.store.commit(k, { event_id: 'ev-1', outcome: 'dlq' }, 60_000)
      expect(await a.store.claim(k, 'ev-2', 30_000)).toEqual({
        state: 'done',
        answer: { event_id: 'ev-1', outcome: 'dlq' },
      })
    })

    it("lets the next claim through after the holder's release, and ignores a stale holder's release", async () => {
      const k = key('idem')
      await a.store.claim(k, 'ev-1', 30_000)
      await a.store.release(k, 'ev-1')
      expect(await a.store.claim(k, 'ev-2', 30_000)).toEqual({ state: 'claimed' })
      await a.store.release(k, 'ev-1') // ev-1 no longer holds it
      expect(await a.store.claim(k, 'ev-3', 30_000)).toEqual({
        state: 'in_flight',
        eventId: 'ev-2',
      })
    })

    it('frees an in-flight claim after its TTL (a crashed holder does not block retries)', async () => {
      const k = key('idem')
      await a.store.claim(k, 'ev-1', 100)
      await c.elapse(150)
      expect(await a.store.claim(k, 'ev-2', 30_000)).toEqual({ state: 'claimed' })
    })

    it('keeps a held claim’s event id past its lease: the next claim takes it over under that id', async () => {
      const k = key('idem')
      // The pipeline's claim: a 300 ms lease, the id held for a minute (the answer's TTL).
      expect(await a.store.claim(k, 'ev-1', 300, 60_000)).toEqual({ state: 'claimed' })
      expect(await a.store.claim(k, 'ev-2', 300, 60_000)).toEqual({ state: 'in_flight', eventId: 'ev-1' })
      await c.elapse(400) // ev-1's holder died after publishing, before its commit
      const next = a.store.shared ? b.store : a.store // a restarted or another instance
      expect(await next.claim(k, 'ev-2', 300, 60_000)).toEqual({ state: 'claimed', eventId: 'ev-1' })
      // The taker holds a fresh lease under ev-1; the first holder's late release ends it.
      expect(await a.store.claim(k, 'ev-3', 300, 60_000)).toEqual({ state: 'in_flight', eventId: 'ev-1' })
      await next.release(k, 'ev-1')
      expect(await a.store.claim(k, 'ev-4', 300, 60_000)).toEqual({ state: 'claimed', eventId: 'ev-1' })
      await a.store.commit(k, { event_id: 'ev-1', outcome: 'published' }, 60_000)
      expect(await next.claim(k, 'ev-5', 300, 60_000)).toEqual({
        state: 'done',
        answer: { event_id: 'ev-1', outcome: 'published' },
      })
    })

    it('renews a lease for its holder only, and a renewed claim is not taken over', async () => {
      for (const hold of [undefined, 60_000]) {
        const k = key('idem')
        await a.store.claim(k, 'ev-1', 400, hold)
        expect(await a.store.renew(k, 'ev-2', 1_000)).toBe(false)
        await c.elapse(200)
        expect(await a.store.renew(k, 'ev-1', 1_000)).toBe(true)
        await c.elapse(500) // past the first lease, within the renewed one
        expect(await a.store.claim(k, 'ev-2', 400, hold)).toEqual({ state: 'in_flight', eventId: 'ev-1' })
        await c.elapse(700)
        expect(await a.store.renew(k, 'ev-1', 1_000)).toBe(false) // ran out: not renewed back
        const taken = await a.store.claim(k, 'ev-2', 400, hold)
        expect(taken).toEqual(hold ? { state: 'claimed', eventId: 'ev-1' } : { state: 'claimed' })
      }
    })

    it('gives out the burst, then refuses with the wait for one token, then refills at the rate', async () => {
      const k = key('rl')
      const taken = []
      for (let i = 0; i < 4; i++) taken.push(await a.limiter.take(k, rule, NOW))
      expect(taken.map((t) => [t.ok, t.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ])
      expect(taken[3]).toMatchObject({ limit: 3, retryAfterSec: 1, resetSec: 3 })
      expect(taken[3]?.reason).toBeUndefined()
      expect((await a.limiter.take(k, rule, NOW + 1000)).ok).toBe(true)
      expect((await a.limiter.take(k, rule, NOW + 1000)).ok).toBe(false)
    })

    it('never fills a bucket past its burst, and keeps buckets apart', async () => {
      const k = key('rl')
      await a.limiter.take(k, rule, NOW)
      expect((await a.limiter.take(k, rule, NOW + 3_600_000)).remaining).toBe(2)
      expect((await a.limiter.take(key('rl'), rule, NOW)).remaining).toBe(2)
    })

    it('limits and claims in one call when it offers to: a limited request takes no claim', async () => {
      const store = a.store
      if (!store.limitAndClaim) return expect(store.shared).toBe(false)
      const rl = key('rl')
      const [k1, k2, done] = [key('idem'), key('idem'), key('idem')]
      await store.claim(done, 'ev-0', 30_000)
      await store.commit(done, { event_id: 'ev-0', outcome: 'published' }, 60_000)
      const tight = { ratePerSec: 1, burst: 1 }
      const first = await store.limitAndClaim(
        { key: rl, rule: tight, nowMs: NOW },
        [
          { key: k1, eventId: 'ev-1' },
          { key: done, eventId: 'ev-9' },
        ],
        30_000,
      )
      expect(first.limit).toMatchObject({ ok: true, remaining: 0 })
      expect(first.claims).toEqual([
        { state: 'claimed' },
        { state: 'done', answer: { event_id: 'ev-0', outcome: 'published' } },
      ])
      const limited = await store.limitAndClaim(
        { key: rl, rule: tight, nowMs: NOW },
        [{ key: k2, eventId: 'ev-2' }],
        30_000,
      )
      expect(limited).toMatchObject({ limit: { ok: false, retryAfterSec: 1 }, claims: [] })
      expect(await store.claim(k2, 'ev-3', 30_000)).toEqual({ state: 'claimed' })
    })

    it('shares claims and buckets between instances when it says it is shared', async () => {
      if (!a.store.shared) return expect(c.name).toBe('memory')
      const k = key('idem')
      expect(await a.store.claim(k, 'ev-1', 30_000)).toEqual({ state: 'claimed' })
      expect(await b.store.claim(k, 'ev-2', 30_000)).toEqual({
        state: 'in_flight',
        eventId: 'ev-1',
      })
      const rl = key('rl')
      const answers = []
      for (let i = 0; i < 4; i++)
        answers.push((await (i % 2 ? b : a).limiter.take(rl, rule, NOW)).ok)
      expect(answers).toEqual([true, true, true, false])
    })

    it('answers ping', async () => {
      expect(await a.store.ping()).toMatchObject({ ok: true, kind: a.store.kind })
    })
  })
}
