import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { createFileHealthStore } from '../../../../src/runtime/server/sources/health-store.ts'
import { startSourceScheduler } from '../../../../src/runtime/server/sources/scheduler.ts'
import type { PullResult } from '../../../../src/runtime/server/sources/pull.ts'
import { parseSources, type PullSourceConfig } from '../../../../src/sources/config.ts'
import { apiRows, startPagedApi, type PagedApi } from '../../../helpers/paged-api.ts'
import { createHarness, type Harness } from '../batch/harness.ts'

let h: Harness
let api: PagedApi
afterEach(async () => {
  await api?.close()
  await h?.close()
})

const silent = { debug() {}, info() {}, warn() {}, error() {} }

function source(url: string, schedule: string): PullSourceConfig {
  const [src] = parseSources(`sources:
  mahak:
    kind: http-poll
    provider: mahak
    schedule: ${schedule}
    url: ${url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    mapping:
      column_mapping: { transaction_id: Id, timestamp: Date, amount: Amount, status: Status }
      defaults: { currency: IRR, payment_method: bank_transfer }
`)
  return src as PullSourceConfig
}

describe('sources: the in-gateway scheduler', () => {
  it('pulls a source on its { every } schedule, then only new rows, and close() waits for the running pull', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(12))
    const runs: PullResult[] = []
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    const sched = startSourceScheduler(
      { batch: h.env, checkpoints: cp, health: createFileHealthStore(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't', log: silent, env: {}, onRun: (r) => void runs.push(r) },
      [source(api.url, '{ every: 1s }'), { ...source(api.url, '{ every: 1s }'), name: 'manual', schedule: undefined }],
    )
    expect(sched.scheduled).toEqual(['mahak'])
    await until(() => runs.length >= 1)
    expect(runs[0]).toMatchObject({ outcome: 'done', rows: 12, cursor: '12' })
    api.rows.push(...apiRows(3, 13))
    await until(() => runs.some((r) => r.outcome === 'done' && r.rows === 3))
    await sched.close()
    const n = runs.length
    await new Promise((r) => setTimeout(r, 1500))
    expect(runs.length).toBe(n)
    expect(h.transactions().map((t) => t['transaction_id'])).toEqual(apiRows(15).map((r) => r.Id))
  }, 20_000)
})

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 150 && !ok(); i++) await new Promise((r) => setTimeout(r, 100))
  expect(ok()).toBe(true)
}
