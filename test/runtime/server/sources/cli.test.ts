import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiRows, startPagedApi, type PagedApi } from '../../../helpers/paged-api.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

const run = promisify(execFile)
const BIN = new URL('../../../../bin/txgate.js', import.meta.url).pathname
let dir: string
let env: NodeJS.ProcessEnv
let api: PagedApi

async function txgate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, cwd: dir })
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

beforeAll(async () => {
  dir = await tempDir('sources-cli')
  api = await startPagedApi(apiRows(15))
  env = { ...process.env, TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_BATCH_DIR: join(dir, 'batch'), TXGATE_BATCH_WORKERS: '0' }
  await writeFile(
    join(dir, 'sources.yaml'),
    `sources:
  mahak:
    kind: http-poll
    provider: mahak
    schedule: { every: 5m }
    url: ${api.url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    mapping:
      column_mapping: { transaction_id: Id, timestamp: Date, amount: Amount, status: Status }
      defaults: { currency: IRR, payment_method: bank_transfer }
`,
  )
})
afterAll(() => api?.close())

describe('sources: txgate pull / txgate sources', { timeout: 60_000 }, () => {
  it('dry-run counts without moving the cursor; pull exits 0, then 75 when nothing is new; sources shows cursor and counts', async () => {
    const dry = await txgate('pull', 'mahak', '--dry-run')
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.out)).toMatchObject({ outcome: 'done', rows: 15, published: 0, cursor: '15' })
    const before = JSON.parse((await txgate('sources', '--json')).out)
    expect(before).toEqual([expect.objectContaining({ name: 'mahak', kind: 'http-poll', cursor: null, last_status: null })])

    const first = await txgate('pull', 'mahak')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.out)).toMatchObject({ outcome: 'done', pages: 2, rows: 15, published: 15, cursor: '15' })
    const again = await txgate('pull', 'mahak')
    expect(again.code).toBe(75)
    expect(JSON.parse(again.out)).toMatchObject({ outcome: 'nothing_new' })

    const table = await txgate('sources')
    expect(table.code).toBe(0)
    const [head, row] = table.out.trim().split('\n')
    expect(head).toMatch(/^NAME\s+KIND\s+SCHEDULE\s+LAST\s+CURSOR/)
    expect(row).toMatch(/^mahak\s+http-poll\s+every 5m\s+done\s+15\s/)
  })

  it('says which sources exist and exits 2 for an unknown one, and 1 when the API fails for good', async () => {
    const unknown = await txgate('pull', 'nope')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/no source "nope".*configured: mahak/)
    expect(unknown.err).toMatch(/75 nothing new/)
    const saved = env
    env = { ...env, TXGATE_SOURCE_LEASE_MS: '500' }
    const badLease = await txgate('pull', 'mahak')
    env = saved
    expect(badLease.code).toBe(2)
    expect(badLease.err).toMatch(/TXGATE_SOURCE_LEASE_MS must be milliseconds, at least 1000 \(got "500"\)/)
    api.failures.push({ status: 403, body: 'forbidden' })
    api.rows.push(...apiRows(1, 16))
    const failed = await txgate('pull', 'mahak')
    expect(failed.code).toBe(1)
    expect(failed.err).toMatch(/403/)
  })
})
