import { describe, expect, it } from 'vitest'
import { createStoreDedupe } from '../../src/batch/store-dedupe.ts'
import { createChunkPublisher } from '../../src/batch/publish-chunk.ts'
import type { EncodedUnit } from '../../src/batch/encode-unit.ts'
import { createLogger } from '../../src/observability/log.ts'
import type { Publisher } from '../../src/publish/types.ts'
import { createMemoryStore } from '../../src/store/memory.ts'
import { createClock } from '../helpers/fakes.ts'

/** A unit of `n` records keyed `k0..`, each line `{"i":<i>}`. */
function unitOf(keys: string[], ids: string[]): EncodedUnit {
  const lines = keys.map((_, i) => `{"i":${i}}`)
  const bytes = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''))
  const ends = new Uint32Array(keys.length)
  let at = 0
  lines.forEach((l, i) => {
    at += l.length
    ends[i] = at
    at += 1
  })
  return { bytes, ends, valueAts: new Uint32Array(keys.length), keys, eventIds: ids }
}

function setup() {
  const clock = createClock()
  const store = createMemoryStore(clock)
  const published: number[] = []
  const publisher: Publisher = {
    kind: 'counting',
    async publish(records) {
      published.push(records.length)
    },
    async ping() {
      return { ok: true, kind: 'counting' }
    },
    async close() {},
  }
  const warnings: string[] = []
  const log = createLogger('warn', (l) => warnings.push(l), clock)
  const options = { publisher, inFlightTtlMs: 30_000, ttlMs: 86_400_000, log, lines: { provider: 'stripe', traceparent: '', topics: { batch: 'b', dlq: 'd' } } }
  return { clock, store, published, publish: (dedupe = createStoreDedupe(store)) => createChunkPublisher({ ...options, dedupe }) }
}

describe('batch: one chunk published against the idempotency store', () => {
  it('fails a chunk whose keys another job holds in flight, publishing nothing, and publishes it once that claim has ended', async () => {
    const t = setup()
    const keys = ['stripe:ch_1', 'stripe:ch_2', 'stripe:ch_3']
    // A job that claimed ch_2 and was killed before publishing it.
    expect((await createStoreDedupe(t.store).claim(['stripe:ch_2'], ['e-dead'], 30_000))[0]).toBe('claimed')
    const unit = unitOf(keys, ['e1', 'e2', 'e3'])
    await expect(t.publish()([{ unit, from: 0, to: 3 }])).rejects.toThrow(/1 record\(s\) are held in flight/)
    expect(t.published).toEqual([])
    // The dead job's claim ends; the retry publishes every record, the one in flight included.
    t.clock.now += 31_000
    expect(await t.publish()([{ unit, from: 0, to: 3 }])).toEqual({ published: 3, duplicates: 0, dlq: 0 })
    expect(t.published).toEqual([3])
    // And a third run finds them all published.
    expect(await t.publish()([{ unit, from: 0, to: 3 }])).toEqual({ published: 0, duplicates: 3, dlq: 0 })
  })
})
