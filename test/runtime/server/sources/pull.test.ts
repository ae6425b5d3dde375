import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchMapping } from '../../../../src/batch/mapping.ts'
import { createDiskLedger } from '../../../../src/runtime/server/batch/disk-ledger.ts'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { pullSource, type PullEnv } from '../../../../src/runtime/server/sources/pull.ts'
import { parseSources, type PullSourceConfig, type SourceConfig } from '../../../../src/sources/config.ts'
import { ABANDONED_ERROR, type Checkpoints } from '../../../../src/sources/checkpoints.ts'
import { createMemoryStore } from '../../../../src/store/memory.ts'
import { apiRows, startPagedApi, type PagedApi } from '../../../helpers/paged-api.ts'
import { createHarness, type Harness } from '../batch/harness.ts'

const MAHAK: BatchMapping = {
  column_mapping: { transaction_id: 'Id', timestamp: 'Date', amount: 'Amount', status: 'Status' },
  defaults: { currency: 'IRR', payment_method: 'bank_transfer' },
}

let h: Harness
let api: PagedApi
afterEach(async () => {
  await api?.close()
  await h?.close()
})

function source(url: string, extra = ''): SourceConfig {
  const yaml = `sources:
  mahak:
    kind: http-poll
    provider: mahak
    url: ${url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    retry: { attempts: 4, base_ms: 1, max_ms: 50 }
${extra}`
  const [src] = parseSources(yaml)
  return { ...(src as PullSourceConfig), mapping: MAHAK }
}

function pullEnv(checkpoints: Checkpoints, sleeps: number[] = []): PullEnv {
  return {
    batch: h.env,
    checkpoints,
    stagingDir: join(h.dir, 'staging'),
    holder: 'test',
    fetch: { env: {}, sleep: async (ms) => void sleeps.push(ms) },
  }
}

describe('sources: http-poll pulls', () => {
  it('pages to the end, advancing the row-version cursor, and a second run finds nothing new', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(25))
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    const first = await pullSource(pullEnv(cp), source(api.url))
    expect(first).toMatchObject({ outcome: 'done', pages: 3, rows: 25, published: 25, dlq: 0, cursor: '25' })
    expect(api.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('fromRowVersion'))).toEqual(['0', '10', '20'])
    expect(h.transactions().map((t) => t['transaction_id'])).toEqual(apiRows(25).map((r) => r.Id))
    expect(h.transactions()[0]).toMatchObject({ provider: 'mahak', amount: 150, currency: 'IRR', status: 'settled' })
    const again = await pullSource(pullEnv(cp), source(api.url))
    expect(again).toMatchObject({ outcome: 'nothing_new', pages: 0 })
    expect(h.transactions()).toHaveLength(25)
    const jobs = await cp.listJobs('mahak')
    expect(jobs.filter((j) => j.status === 'done').map((j) => j.rows)).toEqual([5, 10, 10])
  })

  it('holds its lease through a page slower than the lease (renewed while it runs), and frees it at the end', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(3))
    api.delayMs = 1200
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    const running = pullSource({ ...pullEnv(cp), leaseTtlMs: 300 }, source(api.url))
    await new Promise((r) => setTimeout(r, 800))
    // Another instance, well past one TTL into the slow page: the source is still held.
    expect(await cp.acquireLease('mahak', 'other', 300)).toBe(false)
    expect(await running).toMatchObject({ outcome: 'done', rows: 3 })
    expect(await cp.acquireLease('mahak', 'other', 300)).toBe(true)
  })

  it('keeps row versions past 2^53 exact', async () => {
    h = await createHarness()
    api = await startPagedApi([{ ...apiRows(1)[0]!, RowVersion: '9007199254740993' }])
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    expect(await pullSource(pullEnv(cp), source(api.url))).toMatchObject({ outcome: 'done', cursor: '9007199254740993' })
    expect(await cp.getCursor('mahak')).toBe('9007199254740993')
  })

  it('retries a 500 and honours a 429 Retry-After, then gets the page', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(3))
    api.failures.push({ status: 500 }, { status: 429, retryAfter: '2' })
    const sleeps: number[] = []
    const r = await pullSource(pullEnv(createFileCheckpoints(join(h.dir, 'sources')), sleeps), source(api.url))
    expect(r).toMatchObject({ outcome: 'done', published: 3 })
    expect(sleeps).toHaveLength(2)
    expect(sleeps[0]).toBeLessThanOrEqual(1)
    // Retry-After 2 s wins over the 1 ms backoff.
    expect(sleeps[1]).toBe(2000)
  })

  it('fails without moving the cursor on a permanent 401, a non-JSON page or a row without its cursor field', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(3))
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    api.failures.push({ status: 401 })
    const denied = await pullSource(pullEnv(cp), source(api.url))
    expect(denied).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/HTTP 401/) })
    expect(api.requests).toHaveLength(1)
    api.failures.push({ status: 200, body: '<html>maintenance</html>' })
    expect(await pullSource(pullEnv(cp), source(api.url))).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/not JSON/) })
    api.rows.push({ Id: 'X', Amount: '1', Date: '2026-01-01T00:00:00Z', Status: 'SETTLED' } as never)
    expect(await pullSource(pullEnv(cp), source(api.url))).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/no cursor field "RowVersion"/) })
    expect(await cp.getCursor('mahak')).toBeUndefined()
    expect(h.transactions()).toHaveLength(0)
    expect((await cp.listJobs('mahak'))[0]).toMatchObject({ status: 'failed' })
  })

  it('turns soft-deleted rows into voided messages, or DLQ records by rule, never dropping them', async () => {
    h = await createHarness()
    const rows = apiRows(4)
    rows[1]!.deleted = true
    api = await startPagedApi(rows)
    const r = await pullSource(pullEnv(createFileCheckpoints(join(h.dir, 'a'))), source(api.url))
    expect(r).toMatchObject({ outcome: 'done', published: 4, dlq: 0 })
    expect(h.transactions().map((t) => t['status'])).toEqual(['settled', 'voided', 'settled', 'settled'])

    const h2 = await createHarness()
    const prev = h
    h = h2
    await prev.close()
    const dlqRule = source(api.url, '    soft_delete: { action: dlq }\n')
    const r2 = await pullSource(pullEnv(createFileCheckpoints(join(h.dir, 'b'))), dlqRule)
    expect(r2).toMatchObject({ outcome: 'done', published: 3, dlq: 1 })
    expect(h.dlq()[0]).toMatchObject({ raw: { Id: 'M2', deleted: true } })
  })

  it('after a crash between publishing a page and saving its cursor, the restart publishes nothing twice', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(25))
    const dir = join(h.dir, 'sources')
    const cp = createFileCheckpoints(dir)
    let writes = 0
    // The process "dies" as it is about to save the cursor after the second page.
    const crashing: Checkpoints = { ...cp, setCursor: async (s, c) => (++writes === 2 ? Promise.reject(new Error('killed')) : cp.setCursor(s, c)) }
    expect(await pullSource(pullEnv(crashing), source(api.url))).toMatchObject({ outcome: 'failed', published: 10 })
    expect(h.transactions()).toHaveLength(20)
    // A new process: its own in-process store (no record dedupe memory), the same ledger and checkpoints on disk.
    h.env = { ...h.env, store: createMemoryStore(h.env.clock), ledger: createDiskLedger(join(h.dir, 'ledger')) }
    delete h.env.dedupe
    const restarted = await pullSource(pullEnv(createFileCheckpoints(dir)), source(api.url))
    expect(restarted).toMatchObject({ outcome: 'done', cursor: '25' })
    const ids = h.transactions().map((t) => t['transaction_id'])
    expect(ids).toHaveLength(25)
    expect(new Set(ids).size).toBe(25)
  })

  it('marks the page job a killed run left ingesting as abandoned once it takes the lease, not on a dry run', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(3))
    const dir = join(h.dir, 'sources')
    const dead = createFileCheckpoints(dir)
    expect(await dead.acquireLease('mahak', 'killed', 1)).toBe(true)
    await dead.startJob({ id: 'killed', source: 'mahak', item: 'cursor:start', status: 'ingesting', startedAt: '2026-01-01T00:00:00.000Z' })
    await dead.close()
    await new Promise((r) => setTimeout(r, 10))
    const cp = createFileCheckpoints(dir)
    expect(await pullSource({ ...pullEnv(cp), dryRun: true }, source(api.url))).toMatchObject({ outcome: 'done', rows: 3 })
    expect(await cp.listJobs('mahak')).toEqual([expect.objectContaining({ id: 'killed', status: 'ingesting' })])
    expect(await pullSource(pullEnv(cp), source(api.url))).toMatchObject({ outcome: 'done', rows: 3, published: 3 })
    const jobs = await cp.listJobs('mahak')
    expect(jobs.find((j) => j.id === 'killed')).toMatchObject({ status: 'abandoned', error: ABANDONED_ERROR, finishedAt: expect.any(String) })
    expect(jobs.filter((j) => j.id !== 'killed').map((j) => j.status)).toEqual(['done'])
  })

  it('answers "locked" while another holder has the lease', async () => {
    h = await createHarness()
    api = await startPagedApi(apiRows(3))
    const cp = createFileCheckpoints(join(h.dir, 'sources'))
    expect(await cp.acquireLease('mahak', 'other-instance', 60_000)).toBe(true)
    expect(await pullSource(pullEnv(cp), source(api.url))).toMatchObject({ outcome: 'locked' })
    expect(api.requests).toHaveLength(0)
  })
})
