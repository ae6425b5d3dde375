import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { createHarness } from './harness.ts'
import { watchDir } from '../../../../src/runtime/server/batch/watch.ts'

const run = promisify(execFile)
const BIN = new URL('../../../../bin/txgate.js', import.meta.url).pathname
let dir: string
let env: NodeJS.ProcessEnv

const MAPPING = `legacy_bank:
  delimiter: ";"
  column_mapping: { transaction_id: TXN_ID, timestamp: TXN_DATE, amount: AMOUNT, currency: CCY, status: STATE, payment_method: METHOD }
  transformations: { timestamp: unix_to_iso8601 }
`
const GOOD = 'TXN_ID;TXN_DATE;AMOUNT;CCY;STATE;METHOD\nA1;1714557600;1.50;EUR;OK;card\nA2;1714557601;2;JPY;OK;card\n'

async function ingest(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, 'ingest', ...args], { env, cwd: dir })
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

beforeAll(async () => {
  dir = await tempDir('cli')
  env = { ...process.env, TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_BATCH_DIR: join(dir, 'batch'), TXGATE_BATCH_WORKERS: '0' }
  await writeFile(join(dir, 'bank.yaml'), MAPPING)
})

describe('batch: txgate ingest', { timeout: 60_000 }, () => {
  it('prints a JSON summary and says by its exit code whether records went to the DLQ or the file was refused', async () => {
    await writeFile(join(dir, 'good.csv'), GOOD)
    await writeFile(join(dir, 'mixed.csv'), GOOD.replace('A2;1714557601', 'A3;never'))
    const good = await ingest('good.csv', '--provider', 'legacy_bank', '--mapping', 'bank.yaml')
    expect(good.code).toBe(0)
    expect(JSON.parse(good.out)).toMatchObject({ state: 'succeeded', provider: 'legacy_bank', stats: { published: 2, dlq: 0 } })
    const mixed = await ingest('mixed.csv', '--provider', 'legacy_bank', '--mapping', 'bank.yaml')
    expect(mixed.code).toBe(4)
    // The embedded store lives as long as the process: A1 again is only caught with a shared store.
    expect(JSON.parse(mixed.out)).toMatchObject({ stats: { published: 1, dlq: 1 } })
    const again = await ingest('good.csv', '--provider', 'legacy_bank', '--mapping', 'bank.yaml')
    expect(again.code).toBe(3)
    expect(JSON.parse(again.out)).toMatchObject({ state: 'refused', refusal: 'duplicate_file' })
  })

  it('checks a sidecar <file>.sha256 and refuses the file when it does not match', async () => {
    await writeFile(join(dir, 'side.csv'), GOOD.replace(/A(\d)/g, 'S$1'))
    await writeFile(join(dir, 'side.csv.sha256'), `${'0'.repeat(64)}  side.csv\n`)
    const r = await ingest('side.csv', '--provider', 'legacy_bank', '--mapping', 'bank.yaml')
    expect(r.code).toBe(3)
    expect(JSON.parse(r.out)).toMatchObject({ refusal: 'checksum_mismatch' })
    const sha = createHash('sha256').update(await readFile(join(dir, 'side.csv'))).digest('hex')
    await writeFile(join(dir, 'side.csv.sha256'), `${sha}  side.csv\n`)
    expect((await ingest('side.csv', '--provider', 'legacy_bank', '--mapping', 'bank.yaml')).code).toBe(0)
  })

  it('answers 2 with the usage for a missing provider or a bad checksum flag', async () => {
    expect((await ingest('good.csv')).code).toBe(2)
    expect((await ingest('good.csv', '--provider', 'legacy_bank', '--checksum', 'abc')).err).toMatch(/--checksum must be/)
  })
})

describe('batch: watched directory', () => {
  it('moves ingested files to processed/ and refused ones to failed/', async () => {
    const h = await createHarness({ mappings: { acme: { column_mapping: { transaction_id: 'id', timestamp: 'at', amount: 'amount' }, defaults: { currency: 'EUR', status: 'ok', payment_method: 'card' } } } })
    const inbox = join(h.dir, 'inbox')
    await mkdir(inbox)
    await writeFile(join(inbox, 'ok.csv'), 'id,at,amount\nw1,2024-05-01T10:00:00Z,1.00\n')
    await writeFile(join(inbox, 'empty.csv'), '')
    const stop = new AbortController()
    const jobs: string[] = []
    await watchDir(h.env, {
      dir: inbox,
      provider: 'acme',
      intervalSec: 0.01,
      signal: stop.signal,
      onJob: (s) => {
        jobs.push(`${s.file}:${s.state}`)
        if (jobs.length === 2) stop.abort()
      },
    })
    expect(jobs.sort()).toEqual(['empty.csv:refused', 'ok.csv:succeeded'])
    expect(existsSync(join(inbox, 'processed', 'ok.csv'))).toBe(true)
    expect(existsSync(join(inbox, 'failed', 'empty.csv'))).toBe(true)
    expect(h.transactions()).toHaveLength(1)
    await h.close()
  })
})
