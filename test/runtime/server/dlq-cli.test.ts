import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { readSpool } from '../../../src/runtime/server/spool.ts'
import { tempDir } from '../../helpers/temp-dir.ts'
import { runTxgate } from '../../helpers/txgate-cli.ts'

let dir: string
let env: NodeJS.ProcessEnv

// The bank renamed a column: the old mapping reads TXN_DATE, which the file no longer has.
const mapping = (timestamp: string) => `legacy_bank:
  delimiter: ";"
  column_mapping: { transaction_id: TXN_ID, timestamp: ${timestamp}, amount: AMOUNT, currency: CCY, status: STATE, payment_method: METHOD }
  transformations: { timestamp: unix_to_iso8601 }
`
const FILE = 'TXN_ID;BOOKED_AT;AMOUNT;CCY;STATE;METHOD\nB1;1714557600;1.50;EUR;OK;card\nB2;1714557601;2;JPY;OK;card\n'

const txgate = (...args: string[]) => runTxgate(args, { env, cwd: dir })

async function batchRecords(): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = []
  for await (const r of readSpool(join(dir, 'spool'), 'transactions.batch')) out.push(r)
  return out
}

beforeAll(async () => {
  dir = await tempDir('dlq-cli')
  env = { ...process.env, TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_BATCH_DIR: join(dir, 'batch'), TXGATE_BATCH_WORKERS: '0' }
  await writeFile(join(dir, 'old.yaml'), mapping('TXN_DATE'))
  await writeFile(join(dir, 'fixed.yaml'), mapping('BOOKED_AT'))
  await writeFile(join(dir, 'bank.csv'), FILE)
})

describe('runtime/server: txgate dlq', { timeout: 120_000 }, () => {
  it('lists the rows a broken mapping sent to the DLQ, re-sends them once with the fixed mapping, and a second run publishes nothing', async () => {
    const ingest = await txgate('ingest', 'bank.csv', '--provider', 'legacy_bank', '--mapping', 'old.yaml')
    expect(JSON.parse(ingest.out)).toMatchObject({ stats: { published: 0, dlq: 2 } })

    const list = await txgate('dlq', 'list', '--provider', 'legacy_bank', '--json')
    const rows = list.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; reason: string; resent: boolean })
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({ resent: false, reason: expect.stringMatching(/TXN_DATE/) })
    const shown = JSON.parse((await txgate('dlq', 'show', rows[0]?.id ?? '')).out) as { record: KafkaRecord }
    expect(shown.record.value).toMatchObject({ source: 'batch', raw: { TXN_ID: 'B1' } })

    // Still the old mapping: nothing would go out, and the exit code says so.
    const stale = await txgate('dlq', 'resend', '--dry-run', '--json')
    expect(stale.code).toBe(1)
    expect(JSON.parse(stale.out)).toMatchObject({ matched: 2, would_publish: 0, still_failing: 2 })

    env['TXGATE_BATCH_MAPPINGS'] = join(dir, 'fixed.yaml')
    const dry = await txgate('dlq', 'resend', '--dry-run', '--json')
    expect(JSON.parse(dry.out)).toMatchObject({ dry_run: true, matched: 2, would_publish: 2, published: 0 })
    expect(await batchRecords()).toHaveLength(0)

    const first = await txgate('dlq', 'resend', '--since', '1h')
    expect(first.code).toBe(0)
    expect(first.out).toMatch(/2 matched, 2 published, 0 still failing, 0 already published/)
    const published = await batchRecords()
    expect(published.map((r) => (r.value as { transaction_id: string }).transaction_id).sort()).toEqual(['B1', 'B2'])
    expect(published.map((r) => r.headers['event_id']).sort()).toEqual(rows.map((r) => r.id).sort())

    const second = await txgate('dlq', 'resend', '--json')
    expect(JSON.parse(second.out)).toMatchObject({ matched: 2, published: 0, already_published: 2 })
    expect(await batchRecords()).toHaveLength(2)
    const after = (await txgate('dlq', 'list', '--json')).out.trim().split('\n').map((l) => JSON.parse(l) as { resent: boolean })
    expect(after.every((r) => r.resent)).toBe(true)
  })

  it('refuses to re-send while another live process holds the lock, and takes over a dead holder\'s', async () => {
    const holder = spawn('sleep', ['60'])
    try {
      await writeFile(join(dir, 'spool', 'dlq-resend.lock'), String(holder.pid))
      const busy = await txgate('dlq', 'resend', '--dry-run')
      expect(busy.code).toBe(1)
      expect(busy.err).toMatch(new RegExp(`the DLQ re-send is in use by process ${holder.pid}`))
    } finally {
      const gone = new Promise((resolve) => holder.once('exit', resolve))
      holder.kill()
      await gone
    }
    expect((await txgate('dlq', 'resend', '--dry-run', '--json')).code).toBe(0)
  })

  it('answers 2 with the usage for an unknown action and 1 for an unknown id', async () => {
    expect((await txgate('dlq', 'nope')).code).toBe(2)
    expect((await txgate('dlq', 'show', '01900000-0000-7000-8000-000000000000')).code).toBe(1)
    expect((await txgate('dlq', 'list', '--since', 'yesterday-ish')).err).toMatch(/--since/)
  })
})
