import { describe, expect, it } from 'vitest'
import type { QueueConsumer, QueueMessage, Verdict } from '../../../src/sources/queue/consume.ts'
import { createQueueFlow } from '../../../src/sources/queue/flow.ts'
import { createOffsetTracker } from '../../../src/sources/queue/offsets.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

const msg = (i: number, size = 10): QueueMessage => ({ body: new Uint8Array(size), headers: {}, position: { n: i }, redelivered: false })
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms))

/** A consumer whose verdicts the test releases by hand. */
function manual() {
  const waiting: { m: QueueMessage; done: (v: Verdict) => void }[] = []
  let calls = 0
  const consumer: QueueConsumer = {
    source: { name: 'src-a', provider: 'generic' },
    process: (m) => {
      calls++
      return new Promise<Verdict>((done) => waiting.push({ m, done }))
    },
  }
  return { consumer, waiting, calls: () => calls }
}

function settles() {
  const log: string[] = []
  return { log, settle: (i: number) => ({ ack: () => void log.push(`ack ${i}`), retry: () => void log.push(`retry ${i}`) }) }
}

describe('queue flow', () => {
  it('holds at most maxInFlight messages and acks each only after its verdict', async () => {
    const c = manual()
    const s = settles()
    const flow = createQueueFlow(c.consumer, { maxInFlight: 2 })
    const all = [1, 2, 3].map((i) => flow.deliver(msg(i), s.settle(i)))
    await tick()
    expect(c.waiting).toHaveLength(2)
    expect(s.log).toEqual([])
    c.waiting[1]?.done({ action: 'ack', outcome: 'published' })
    await tick()
    expect(s.log).toEqual(['ack 2'])
    expect(c.waiting).toHaveLength(3) // the third got the freed slot
    c.waiting[0]?.done({ action: 'ack', outcome: 'dlq' })
    c.waiting[2]?.done({ action: 'ack', outcome: 'duplicate' })
    await Promise.all(all)
    expect(s.log.sort()).toEqual(['ack 1', 'ack 2', 'ack 3'])
  })

  it('bounds the bytes in flight, letting one oversized message through alone', async () => {
    const c = manual()
    const s = settles()
    const flow = createQueueFlow(c.consumer, { maxInFlight: 100, maxBytes: 100 })
    void flow.deliver(msg(1, 60), s.settle(1))
    void flow.deliver(msg(2, 60), s.settle(2))
    await tick()
    expect(c.waiting).toHaveLength(1)
    c.waiting[0]?.done({ action: 'ack', outcome: 'published' })
    await tick()
    expect(c.waiting).toHaveLength(2)
    expect(flow.stats().bytes).toBe(60)
    c.waiting[1]?.done({ action: 'ack', outcome: 'published' })
    const big = flow.deliver(msg(3, 500), s.settle(3))
    await tick()
    expect(c.waiting).toHaveLength(3)
    c.waiting[2]?.done({ action: 'ack', outcome: 'published' })
    await big
  })

  it('pauses after a retry, then lets one probe through before the rest, without spinning', async () => {
    let down = true
    let calls = 0
    const consumer: QueueConsumer = {
      process: async () => {
        calls++
        return down ? { action: 'retry', reason: 'spool down' } : { action: 'ack', outcome: 'published' }
      },
    }
    const s = settles()
    const metrics = createMetrics()
    const pauses: boolean[] = []
    const flow = createQueueFlow(consumer, { maxInFlight: 10, backoff: { baseMs: 40, maxMs: 80 }, metrics, onPause: (p) => pauses.push(p) })
    // An adapter that redelivers whatever is retried, as RabbitMQ does with nack+requeue.
    const run = (i: number): Promise<unknown> =>
      flow.deliver(msg(i), { ack: () => void s.log.push(`ack ${i}`), retry: () => void run(i) })
    for (let i = 0; i < 10; i++) void run(i)
    await tick(400)
    // 10 first attempts, then about one probe per backoff (≤ 80 ms): nowhere near a spin.
    expect(calls).toBeLessThan(10 + 400 / 40 + 2)
    expect(flow.stats().paused).toBe(true)
    down = false
    await flow.idle().then(() => tick(200))
    await flow.idle()
    expect(s.log.length).toBe(10)
    expect(pauses).toEqual([true, false])
    const snap = await metrics.collect()
    const value = (n: string) => snap.families.find((f) => f.name === n)?.series[0]?.value
    expect(value('txgate_queue_published_total')).toBe(10)
    expect(value('txgate_queue_retries_total')).toBeGreaterThanOrEqual(10)
    expect(value('txgate_queue_paused')).toBe(0)
  })

  it('stop finishes what is processing and retries what was still waiting', async () => {
    const c = manual()
    const s = settles()
    const flow = createQueueFlow(c.consumer, { maxInFlight: 1 })
    const first = flow.deliver(msg(1), s.settle(1))
    const second = flow.deliver(msg(2), s.settle(2))
    await tick()
    const stopped = flow.stop()
    await tick()
    expect(await second).toBeUndefined()
    expect(s.log).toEqual(['retry 2'])
    c.waiting[0]?.done({ action: 'ack', outcome: 'published' })
    await stopped
    expect(await first).toEqual({ action: 'ack', outcome: 'published' })
    expect(s.log).toEqual(['retry 2', 'ack 1'])
    expect(await flow.deliver(msg(3), s.settle(3))).toBeUndefined()
    expect(c.calls()).toBe(1)
  })
})

describe('offset tracker', () => {
  it('commits only the leading run of durable offsets, and seeks back to the first pending', () => {
    const t = createOffsetTracker()
    for (const o of ['10', '11', '12', '13']) t.track('p:0', o)
    expect(t.done('p:0', '12')).toBeUndefined()
    expect(t.done('p:0', '10')).toBe('10')
    expect(t.firstPending('p:0')).toBe('11')
    expect(t.done('p:0', '11')).toBe('12')
    expect(t.pending('p:0')).toBe(1)
    t.forget('p:0')
    expect(t.done('p:0', '13')).toBeUndefined()
  })

  it('handles 64-bit offsets exactly', () => {
    const t = createOffsetTracker()
    t.track('p', '9223372036854775806')
    t.track('p', '9223372036854775807')
    expect(t.done('p', '9223372036854775807')).toBeUndefined()
    expect(t.done('p', '9223372036854775806')).toBe('9223372036854775807')
  })
})
