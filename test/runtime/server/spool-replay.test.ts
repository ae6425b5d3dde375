import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { openSpool, readSpool, SpoolFull, type Spool } from '../../../src/runtime/server/spool.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const record = (n: number): KafkaRecord => ({
  topic: 'transactions.realtime',
  key: `stripe:pi_${n}`,
  headers: { event_id: `e${n}` },
  value: { n } as unknown as KafkaRecord['value'],
})

const segments = async (dir: string) =>
  (await readdir(dir)).filter((n) => n.endsWith('.ndjson') && n !== 'rejected.ndjson')
const keys = (rs: readonly KafkaRecord[]) => rs.map((r) => r.key)
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `stripe:pi_${from + i}`)

/** Everything after the cursor, as a replay would send it, acknowledging each batch. */
async function drain(spool: Spool, batch = 7): Promise<string[]> {
  const out: string[] = []
  for (let b = await spool.next(batch); b; b = await spool.next(batch)) {
    out.push(...keys(b.records))
    await spool.ack(b)
  }
  return out
}

describe('runtime/server: spool replay', () => {
  it('hands records over in order across segments and deletes each segment once all of it is acknowledged', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 400 })
    for (let i = 0; i < 30; i++) await spool.append([record(i)])
    const before = await segments(dir)
    expect(before.length).toBeGreaterThan(3)
    const first = await spool.next(2)
    expect(keys(first?.records ?? [])).toEqual(range(0, 2))
    await spool.ack(first!)
    expect(await segments(dir)).toEqual(before) // the first segment still holds unacknowledged records
    expect(await drain(spool)).toEqual(range(2, 30))
    expect(await segments(dir)).toEqual([])
    expect(spool.size()).toBe(0)
    await spool.close()
  })

  it('after a crash mid-replay, sends again only what was not acknowledged', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 300 })
    for (let i = 0; i < 20; i++) await spool.append([record(i)])
    let acked = 0
    while (acked < 8) {
      const b = (await spool.next(8 - acked))!
      await spool.ack(b)
      acked += b.records.length
    }
    await spool.next(5) // sent, never acknowledged: the process dies here
    // No close(): a kill -9 leaves the lock and the files as they are.
    const again = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 300 })
    expect(await drain(again)).toEqual(range(8, 20))
    await again.close()
  })

  it('keeps appending after a full drain, and a reopened spool starts where the cursor is', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    await spool.append([record(0), record(1)])
    expect(await drain(spool)).toEqual(range(0, 2))
    await spool.append([record(2)])
    await spool.close()
    const again = await openSpool({ dir, maxBytes: 1 << 20 })
    expect(again.size()).toBeGreaterThan(0)
    expect(await drain(again)).toEqual(['stripe:pi_2'])
    await again.append([record(3)])
    expect(await drain(again)).toEqual(['stripe:pi_3'])
    await again.close()
    expect(await segments(dir)).toEqual([])
  })

  it('frees room under its size bound as Kafka acknowledges', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 600 })
    let refused = 0
    for (let i = 0; i < 20; i++)
      await spool
        .append([record(i)])
        .catch((e: unknown) => (refused += e instanceof SpoolFull ? 1 : 0))
    expect(refused).toBeGreaterThan(0)
    await drain(spool)
    await expect(spool.append([record(99)])).resolves.toBeUndefined()
    await spool.close()
  })

  it('shows only what the cursor has not passed in spool dump (readSpool)', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    await spool.append([record(0), record(1), record(2)])
    await spool.ack((await spool.next(2))!)
    const seen: string[] = []
    for await (const r of readSpool(dir)) seen.push(r.key)
    expect(seen).toEqual(['stripe:pi_2'])
    await spool.close()
  })

  it('keeps records Kafka refused in rejected.ndjson with the reason', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    await spool.quarantine([{ record: record(7), reason: '413 too large' }])
    expect(spool.quarantined()).toBe(1)
    await spool.close()
    const [line] = (await readFile(join(dir, 'rejected.ndjson'), 'utf8')).trim().split('\n')
    expect(JSON.parse(line ?? '')).toMatchObject({
      reason: '413 too large',
      record: { key: 'stripe:pi_7' },
    })
    const again = await openSpool({ dir, maxBytes: 1 << 20 })
    expect(again.quarantined()).toBe(1)
    await again.close()
  })

  it('does not hand out records that are accepted but not yet fsync’d', async () => {
    const dir = await tempDir('replay')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    const pending = spool.append([record(0)])
    expect(spool.size()).toBeGreaterThan(0)
    expect(await spool.next(10)).toBeUndefined()
    await pending
    expect(keys((await spool.next(10))?.records ?? [])).toEqual(['stripe:pi_0'])
    await spool.close()
  })
})
