/** The shared conformance suite of the file kinds: every case runs against s3 (s3rver) and sftp (a real sshd). */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import type { FileStore } from '../../../../src/runtime/server/sources/file-store.ts'
import { itemOf, pullFiles, type FilePullEnv, type FileSource } from '../../../../src/runtime/server/sources/pull-files.ts'
import { ABANDONED_ERROR } from '../../../../src/sources/checkpoints.ts'
import { FILE_KINDS, type FileKind } from '../../../helpers/file-kinds.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const csv = (n: number, from = 0) => `${ACME_HEADER}\n${acmeRows(n, from)}`

let h: Harness
let k: FileKind
let store: FileStore | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
  await k?.close()
  await h?.close()
})

describe.each(Object.entries(FILE_KINDS))('sources: file kind conformance (%s)', { timeout: 60_000 }, (_name, start) => {
  async function setup(archive: Record<string, unknown> = {}) {
    h = await createHarness()
    k = await start()
    const opened = await k.open(archive)
    store = opened.store
    const src: FileSource = { name: 'acme-files', provider: 'acme', mapping: ACME, prefix: k.prefix, glob: '*.csv', min_age_s: 0, archive: opened.archive }
    const env: FilePullEnv = { batch: h.env, checkpoints: createFileCheckpoints(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't' }
    return { src, env, pull: (opts?: { dryRun?: boolean }) => pullFiles(env, src, opened.store, opts) }
  }

  it('a new file is ingested once (its .sha256 checked), moved to processed/ with its sidecar; a re-run finds nothing', async () => {
    const { env, pull } = await setup()
    await k.put('day1.csv', csv(20))
    await k.put('day1.csv.sha256', `${sha256(csv(20))}  day1.csv\n`)
    await k.put('notes.txt', 'not matched by the glob')
    expect(await pull()).toMatchObject({ outcome: 'done', files: 1, rows: 20, published: 20, dlq: 0 })
    expect(await k.files()).toEqual(['notes.txt', 'processed/day1.csv', 'processed/day1.csv.sha256'])
    expect(await pull()).toMatchObject({ outcome: 'nothing_new', files: 0 })
    expect(h.transactions()).toHaveLength(20)
    expect((await env.checkpoints.listJobs('acme-files'))[0]).toMatchObject({ status: 'done', rows: 20, published: 20 })
  })

  it('a .md5 companion is checked: matching ingested; one that does not match refuses the file', async () => {
    const { pull } = await setup()
    await k.put('good.csv', csv(3))
    await k.put('good.csv.md5', `MD5 (good.csv) = ${md5(csv(3))}\n`)
    await k.put('bad.csv', csv(2, 50))
    await k.put('bad.csv.md5', `${md5('something else')}  bad.csv\n`)
    expect(await pull()).toMatchObject({ outcome: 'failed', files: 1, failed: 1, rows: 3 })
    expect(h.transactions()).toHaveLength(3)
    expect(await k.files()).toEqual(['failed/bad.csv', 'failed/bad.csv.md5', 'processed/good.csv', 'processed/good.csv.md5'])
  })

  it('a checksum mismatch: failed/, a failed job with the reason, nothing published; a re-run finds nothing', async () => {
    const { env, pull } = await setup()
    await k.put('bad.csv', csv(3))
    await k.put('bad.csv.sha256', `${'0'.repeat(64)}  bad.csv\n`)
    expect(await pull()).toMatchObject({ outcome: 'failed', failed: 1 })
    expect(h.transactions()).toHaveLength(0)
    expect(await k.files()).toEqual(['failed/bad.csv', 'failed/bad.csv.sha256'])
    expect((await env.checkpoints.listJobs('acme-files'))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/SHA-256/) })
    expect(await pull()).toMatchObject({ outcome: 'nothing_new' })
  })

  it('archive: leave keeps the file where it is and remembers it; custom folders are used', async () => {
    const { pull } = await setup({ mode: 'leave' })
    await k.put('a.csv', csv(4))
    expect(await pull()).toMatchObject({ outcome: 'done', files: 1, rows: 4 })
    expect(await pull()).toMatchObject({ outcome: 'nothing_new', files: 0 })
    expect(await k.files()).toEqual(['a.csv'])
    expect(h.transactions()).toHaveLength(4)
    await store?.close()
    await k.close()
    await h.close()
    const custom = await setup({ processed: 'done/', failed: 'rejected/' })
    await k.put('b.csv', csv(1))
    await k.put('c.csv', 'TXN_ID;only a header\n')
    await k.put('c.csv.sha256', `${'1'.repeat(64)}\n`)
    expect(await custom.pull()).toMatchObject({ files: 1, failed: 1 })
    expect(await k.files()).toEqual(['done/b.csv', 'rejected/c.csv', 'rejected/c.csv.sha256'])
  })

  it('--dry-run lists what would be fetched and changes nothing', async () => {
    const { env, pull } = await setup()
    await k.put('x.csv', csv(2))
    await k.put('x.csv.sha256', sha256(csv(2)))
    expect(await pull({ dryRun: true })).toMatchObject({ outcome: 'done', files: 0, wouldFetch: [{ key: `${k.prefix}x.csv`, size: csv(2).length }] })
    expect(await k.files()).toEqual(['x.csv', 'x.csv.sha256'])
    expect(await env.checkpoints.listJobs('acme-files')).toEqual([])
    expect(h.transactions()).toHaveLength(0)
  })

  it('a job a killed run left ingesting is marked abandoned by the next pull, which ingests the file (to processed/, not failed/); a dry run changes nothing', async () => {
    const { env, pull } = await setup()
    await k.put('day1.csv', csv(4))
    const listed = (await store!.list()).find((f) => f.key.endsWith('day1.csv'))!
    // The killed run: another process's store on the same state, its lease run out.
    const dead = createFileCheckpoints(join(h.dir, 'sources'))
    expect(await dead.acquireLease('acme-files', 'killed', 1)).toBe(true)
    const at = (ms: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + ms).toISOString()
    await dead.startJob({ id: 'old-done', source: 'acme-files', item: 'old.csv@9', status: 'ingesting', startedAt: at(0) })
    await dead.updateJob('old-done', { status: 'done', rows: 2, published: 2, finishedAt: at(1) })
    await dead.startJob({ id: 'old-failed', source: 'acme-files', item: 'bad.csv@9', status: 'fetching', startedAt: at(2) })
    await dead.updateJob('old-failed', { status: 'failed', error: 'SHA-256 mismatch', finishedAt: at(3) })
    await dead.startJob({ id: 'killed', source: 'acme-files', item: itemOf(listed), status: 'ingesting', startedAt: at(4) })
    await dead.close()
    await new Promise((r) => setTimeout(r, 10))
    const before = await env.checkpoints.listJobs('acme-files')

    expect(await pull({ dryRun: true })).toMatchObject({ outcome: 'done', files: 0 })
    expect(await env.checkpoints.listJobs('acme-files')).toEqual(before)

    // The batch env's clock: what the pull stamps its jobs with.
    const startedAt = h.env.clock()
    expect(await pull()).toMatchObject({ outcome: 'done', files: 1, rows: 4, published: 4 })
    expect(await k.files()).toEqual(['processed/day1.csv'])
    expect(h.transactions()).toHaveLength(4)
    const jobs = await env.checkpoints.listJobs('acme-files')
    const byId = new Map(jobs.map((j) => [j.id, j]))
    expect(byId.get('killed')).toMatchObject({ status: 'abandoned', error: ABANDONED_ERROR })
    expect(Date.parse(byId.get('killed')?.finishedAt ?? '')).toBeGreaterThanOrEqual(startedAt)
    for (const id of ['old-done', 'old-failed']) expect(byId.get(id)).toEqual(before.find((j) => j.id === id))
    expect(jobs[0]).toMatchObject({ item: itemOf(listed), status: 'done', rows: 4 })
    expect(jobs[0]?.error).toBeUndefined()
  })

  it('a file that grows between listing and download is not ingested yet; the next run takes the whole file', async () => {
    const { src, env } = await setup()
    await k.put('grow.csv', csv(5))
    const growing: FileStore = { ...store!, list: async () => {
      const listed = await store!.list()
      await k.append('grow.csv', acmeRows(5, 5))
      return listed
    } }
    expect(await pullFiles(env, src, growing)).toMatchObject({ outcome: 'nothing_new', files: 0, skipped: 1 })
    expect(await k.files()).toEqual(['grow.csv'])
    expect(h.transactions()).toHaveLength(0)
    expect((await env.checkpoints.listJobs('acme-files'))[0]?.error).toMatch(/changed|growing/)
    expect(await pullFiles(env, src, store!)).toMatchObject({ outcome: 'done', files: 1, rows: 10 })
    expect(await k.files()).toEqual(['processed/grow.csv'])
  })
})
