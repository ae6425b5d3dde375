import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { openSpool, readSpool, SpoolFull } from '../../../src/runtime/server/spool.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const record = (n: number, topic = 'transactions.realtime'): KafkaRecord => ({
  topic,
  key: `stripe:pi_${n}`,
  headers: { event_id: `e${n}` },
  value: { n } as unknown as KafkaRecord['value'],
})

const collect = async (dir: string, topic?: string) => {
  const out: KafkaRecord[] = []
  for await (const r of readSpool(dir, topic)) out.push(r)
  return out
}

describe('runtime/server: spool', () => {
  it('keeps appended records in order, across segments, and filters by topic', async () => {
    const dir = await tempDir('spool')
    const spool = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 300 })
    for (let i = 0; i < 20; i++) await spool.append([record(i, i % 2 ? 'transactions.dlq' : 'transactions.realtime')])
    await spool.close()
    expect((await readdir(dir)).filter((n) => n.endsWith('.ndjson')).length).toBeGreaterThan(1)
    expect((await collect(dir)).map((r) => r.key)).toEqual(Array.from({ length: 20 }, (_, i) => `stripe:pi_${i}`))
    expect((await collect(dir, 'transactions.dlq')).map((r) => r.key)).toEqual(
      Array.from({ length: 10 }, (_, i) => `stripe:pi_${2 * i + 1}`),
    )
  })

  it('writes concurrent appends together (group commit) and resolves each', async () => {
    const dir = await tempDir('spool')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append([record(i)])))
    await spool.close()
    const keys = (await collect(dir)).map((r) => r.key).sort()
    expect(keys).toHaveLength(200)
    expect(new Set(keys).size).toBe(200)
  })

  it('refuses records past its size bound instead of accepting what it cannot keep', async () => {
    const dir = await tempDir('spool')
    const spool = await openSpool({ dir, maxBytes: 500 })
    await spool.append([record(1)])
    let refused = 0
    for (let i = 2; i < 20; i++) await spool.append([record(i)]).catch((e: unknown) => (refused += e instanceof SpoolFull ? 1 : 0))
    expect(refused).toBeGreaterThan(0)
    await spool.close()
    expect((await stat(join(dir, (await readdir(dir)).find((n) => n.endsWith('.ndjson')) ?? ''))).size).toBeLessThanOrEqual(500)
  })

  it('cuts a torn last line (a crash mid-write) on reopen and appends after it', async () => {
    const dir = await tempDir('spool')
    const first = await openSpool({ dir, maxBytes: 1 << 20 })
    await first.append([record(1)])
    await first.close()
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.ndjson'))
    await appendFile(join(dir, segment ?? ''), '{"topic":"transactions.realtime","key":"torn')
    expect((await collect(dir)).map((r) => r.key)).toEqual(['stripe:pi_1']) // readers skip it too
    const second = await openSpool({ dir, maxBytes: 1 << 20 })
    await second.append([record(2)])
    await second.close()
    expect((await collect(dir)).map((r) => r.key)).toEqual(['stripe:pi_1', 'stripe:pi_2'])
    expect(await readFile(join(dir, segment ?? ''), 'utf8')).not.toContain('torn')
  })

  it('takes over a lock left by a dead process, and refuses one held by a live process', async () => {
    const dir = await tempDir('spool')
    await writeFile(join(dir, 'LOCK'), '999999999') // a kill -9'd gateway's lock
    const takeover = await openSpool({ dir, maxBytes: 1 << 20 })
    await takeover.close()
    const { spawn } = await import('node:child_process')
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'])
    try {
      await writeFile(join(dir, 'LOCK'), String(sleeper.pid))
      await expect(openSpool({ dir, maxBytes: 1 << 20 })).rejects.toThrow(/in use by process/)
    } finally {
      sleeper.kill('SIGKILL')
    }
  })
})
