import { describe, expect, it } from 'vitest'
import { createPool } from '../../../../src/runtime/server/batch/pool.ts'
import type { Unit } from '../../../../src/runtime/server/batch/processor.ts'
import { ACME, ACME_HEADER, acmeRows } from './harness.ts'

const init = {
  mapping: ACME,
  csv: { delimiter: ';', header: ACME_HEADER.split(';') },
  build: {
    provider: 'acme',
    tenantId: null,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    ingestedAt: Date.UTC(2026, 10, 22),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    topics: { batch: 'transactions.batch', dlq: 'transactions.dlq' },
    file: 'day.csv',
    position: 'line' as const,
  },
}

describe('batch: worker pool', () => {
  it('runs units in workers that load the TypeScript through tsx when no bundle is given (the fallback)', { timeout: 30_000 }, async () => {
    const pool = createPool(2, init)
    try {
      const units: Unit[] = [0, 1, 2].map((seq) => ({
        seq,
        kind: 'csv',
        bytes: new TextEncoder().encode(acmeRows(50, seq * 50)),
        firstLine: 2 + seq * 50,
      }))
      const results = await Promise.all(units.map((u) => pool.run(u)))
      expect(results.map((r) => [r.seq, r.read])).toEqual([[0, 50], [1, 50], [2, 50]])
      expect(results[2]?.encoded.keys[49]).toBe('acme:T149')
      // A buffer handed back goes out again with a later unit, moved to the worker.
      const buffer = results[0]?.encoded.bytes.buffer as ArrayBuffer
      pool.recycle(buffer)
      await pool.run({ seq: 3, kind: 'csv', bytes: new TextEncoder().encode(acmeRows(1)), firstLine: 2 })
      expect(buffer.byteLength).toBe(0)
    } finally {
      await pool.close()
    }
  })
})
