import { describe, expect, it } from 'vitest'
import { randomBytes } from '../../src/message/random-pool.ts'
import { traceFrom } from '../../src/observability/trace.ts'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

describe('message: random pool', () => {
  it('never hands out the same bytes twice, across refills of the pool', () => {
    // 8 KiB pool: 5,000 draws of 13 bytes refill it several times and straddle its end.
    const seen = new Set(Array.from({ length: 5000 }, () => hex(randomBytes(13))))
    expect(seen.size).toBe(5000)
  })

  it('gives each request its own trace and span id', () => {
    const traces = Array.from({ length: 2000 }, () => traceFrom(new Headers()))
    expect(new Set(traces.map((t) => t.traceId)).size).toBe(2000)
    expect(new Set(traces.map((t) => t.spanId)).size).toBe(2000)
    for (const t of traces.slice(0, 5)) expect(t.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })
})
