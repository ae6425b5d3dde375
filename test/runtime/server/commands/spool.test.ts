import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { KafkaRecord } from '../../../../src/publish/types.ts'
import { openSpool } from '../../../../src/runtime/server/spool.ts'
import { startKafkaRestDouble, type KafkaRestDouble } from '../../../helpers/kafka-rest-double.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

const run = promisify(execFile)
const txgate = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['bin/txgate.js', ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', KAFKA_REST_URL: '', LOG_LEVEL: 'warn', ...env },
    timeout: 30_000,
  })

const rec = (n: number, topic = 'transactions.realtime'): KafkaRecord => ({
  topic,
  key: `stripe:pi_${n}`,
  headers: { event_id: `e${n}`, provider: 'stripe' },
  value: { event_id: `e${n}` } as unknown as KafkaRecord['value'],
})

let double: KafkaRestDouble | undefined
afterEach(async () => {
  await double?.close()
  double = undefined
})

async function spoolWith(records: KafkaRecord[]): Promise<string> {
  const dir = await tempDir('replay-cli')
  const spool = await openSpool({ dir, maxBytes: 1 << 20 })
  await spool.append(records)
  await spool.close()
  return dir
}

async function bridge(): Promise<{ double: KafkaRestDouble; env: Record<string, string> }> {
  double = await startKafkaRestDouble({ topics: ['transactions.realtime', 'transactions.dlq'] })
  return { double, env: { KAFKA_REST_URL: double.url, KAFKA_REST_CLUSTER_ID: double.clusterId } }
}

describe('runtime/server: txgate spool replay', () => {
  it('hands every spooled record to Kafka in order, keeping event_id, and empties the spool', async () => {
    const dir = await spoolWith([rec(1), rec(2, 'transactions.dlq'), rec(3)])
    const { double, env } = await bridge()
    const { stdout } = await txgate(['spool', 'replay', '--dir', dir], env)
    expect(stdout).toMatch(/replayed 3 record\(s\) into Kafka through kafka-rest-v3/)
    expect(double.records('transactions.realtime').map((r) => r.headers['event_id'])).toEqual([
      'e1',
      'e3',
    ])
    expect(double.records('transactions.dlq').map((r) => r.key)).toEqual(['stripe:pi_2'])
    expect((await txgate(['spool', 'dump', '--dir', dir])).stdout).toBe('')
  })

  it('exits 1 and keeps the records when Kafka does not acknowledge', async () => {
    const dir = await spoolWith([rec(1), rec(2)])
    const { double, env } = await bridge()
    double.mode = 'error'
    const err = await txgate(['spool', 'replay', '--dir', dir], env).catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/replay stopped.*HTTP 500/),
    })
    const left = (await txgate(['spool', 'dump', '--dir', dir])).stdout.trim().split('\n')
    expect(left).toHaveLength(2)
  })

  it('keeps a record Kafka refuses in the quarantine and shows it with dump --rejected', async () => {
    const dir = await spoolWith([rec(1), rec(2)])
    const { double, env } = await bridge()
    double.reject = (r) =>
      r.key === 'stripe:pi_2' ? { status: 413, message: 'Record too large' } : undefined
    const { stdout } = await txgate(['spool', 'replay', '--dir', dir], env)
    expect(stdout).toMatch(/replayed 1 record\(s\)[\s\S]*1 record\(s\) refused by Kafka/)
    const rejected = JSON.parse(
      (await txgate(['spool', 'dump', '--rejected', '--dir', dir])).stdout,
    )
    expect(rejected).toMatchObject({
      reason: expect.stringMatching(/413/),
      record: { key: 'stripe:pi_2' },
    })
  })

  it('says what to set when no Kafka is configured (exit 2)', async () => {
    const dir = await spoolWith([rec(1)])
    await expect(txgate(['spool', 'replay', '--dir', dir])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/KAFKA_BROKERS or KAFKA_REST_URL/),
    })
  })
})
