import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { createPgCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-pg.ts'
import { ABANDONED_ERROR, type Checkpoints } from '../../../../src/sources/checkpoints.ts'
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

let db: TestDatabase

/** The same cases for every store: what a pull relies on. */
function suite(name: string, open: () => Promise<Checkpoints>) {
  describe(`sources: checkpoints (${name})`, () => {
    let cp: Checkpoints
    beforeAll(async () => void (cp = await open()))
    afterAll(async () => cp?.close())

    it('gives a lease to one holder at a time, renews it for its holder, and frees it on release', async () => {
      expect(await cp.acquireLease('s1', 'a', 60_000)).toBe(true)
      expect(await cp.acquireLease('s1', 'b', 60_000)).toBe(false)
      expect(await cp.acquireLease('s1', 'a', 60_000)).toBe(true)
      await cp.releaseLease('s1', 'b')
      expect(await cp.acquireLease('s1', 'b', 60_000)).toBe(false)
      await cp.releaseLease('s1', 'a')
      expect(await cp.acquireLease('s1', 'b', 60_000)).toBe(true)
    })

    it('lets another holder take over an expired lease (its holder died)', async () => {
      expect(await cp.acquireLease('s2', 'dead', 1)).toBe(true)
      await new Promise((r) => setTimeout(r, 20))
      expect(await cp.acquireLease('s2', 'alive', 60_000)).toBe(true)
      expect(await cp.acquireLease('s2', 'dead', 60_000)).toBe(false)
    })

    it('keeps a cursor per source, exactly as given', async () => {
      expect(await cp.getCursor('s3')).toBeUndefined()
      await cp.setCursor('s3', '18446744073709551615')
      await cp.setCursor('s4', 'tok_abc')
      expect(await cp.getCursor('s3')).toBe('18446744073709551615')
      expect(await cp.getCursor('s4')).toBe('tok_abc')
    })

    it('records jobs with their status, counts and error, newest first', async () => {
      await cp.startJob({ id: 'j1', source: 's5', item: 'cursor:0', status: 'ingesting', startedAt: '2026-01-01T00:00:00.000Z' })
      await cp.updateJob('j1', { status: 'done', rows: 10, published: 9, dlq: 1, finishedAt: '2026-01-01T00:00:01.000Z' })
      await cp.startJob({ id: 'j2', source: 's5', item: 'cursor:10', status: 'fetching', startedAt: '2026-01-01T00:01:00.000Z' })
      await cp.updateJob('j2', { status: 'failed', error: 'page answered HTTP 401' })
      const jobs = await cp.listJobs('s5')
      expect(jobs.map((j) => j.id)).toEqual(['j2', 'j1'])
      expect(jobs[1]).toEqual({ id: 'j1', source: 's5', item: 'cursor:0', status: 'done', rows: 10, published: 9, dlq: 1, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' })
      expect(jobs[0]).toMatchObject({ status: 'failed', error: 'page answered HTTP 401' })
      expect(await cp.listJobs('other')).toEqual([])
    })

    it('marks a dead run’s unfinished jobs abandoned (finished, with the reason) and leaves finished ones and other sources alone', async () => {
      const t = (s: number) => `2026-01-02T00:00:0${s}.000Z`
      await cp.startJob({ id: 'a1', source: 's8', item: 'day1.csv@10', status: 'ingesting', startedAt: t(0) })
      await cp.startJob({ id: 'a2', source: 's8', item: 'day2.csv@10', status: 'fetching', startedAt: t(1) })
      await cp.startJob({ id: 'a3', source: 's8', item: 'day3.csv@10', status: 'ingesting', startedAt: t(2) })
      await cp.updateJob('a3', { status: 'done', rows: 5, published: 5, finishedAt: t(3) })
      await cp.startJob({ id: 'a4', source: 's8', item: 'day4.csv@10', status: 'fetching', startedAt: t(2) })
      await cp.updateJob('a4', { status: 'failed', error: 'SHA-256 mismatch', finishedAt: t(3) })
      // Ended by its run (a transient error, tried again next time): not a dead run's.
      await cp.startJob({ id: 'a5', source: 's8', item: 'day5.csv@10', status: 'fetching', startedAt: t(2) })
      await cp.updateJob('a5', { error: 'download failed: ECONNRESET', finishedAt: t(3) })
      await cp.startJob({ id: 'b1', source: 's9', item: 'day1.csv@10', status: 'ingesting', startedAt: t(0) })
      const before = await cp.listJobs('s8')

      expect(await cp.abandonUnfinished('s8', t(9))).toBe(2)
      const after = new Map((await cp.listJobs('s8')).map((j) => [j.id, j]))
      for (const id of ['a1', 'a2']) {
        expect(after.get(id)).toEqual({ ...before.find((j) => j.id === id), status: 'abandoned', finishedAt: t(9), error: ABANDONED_ERROR })
      }
      for (const id of ['a3', 'a4', 'a5']) expect(after.get(id)).toEqual(before.find((j) => j.id === id))
      expect((await cp.listJobs('s9'))[0]).toMatchObject({ status: 'ingesting' })
      expect((await cp.listJobs('s9'))[0]?.finishedAt).toBeUndefined()
      expect(await cp.abandonUnfinished('s8', t(9))).toBe(0)
    })

    it('a job marked abandoned that finishes after all ends done, its abandoned error cleared', async () => {
      await cp.startJob({ id: 'c1', source: 's10', item: 'day1.csv@10', status: 'ingesting', startedAt: '2026-01-03T00:00:00.000Z' })
      await cp.abandonUnfinished('s10', '2026-01-03T00:00:01.000Z')
      await cp.updateJob('c1', { status: 'done', rows: 3, published: 3, finishedAt: '2026-01-03T00:00:02.000Z', error: null })
      expect((await cp.listJobs('s10'))[0]).toEqual({ id: 'c1', source: 's10', item: 'day1.csv@10', status: 'done', rows: 3, published: 3, dlq: 0, startedAt: '2026-01-03T00:00:00.000Z', finishedAt: '2026-01-03T00:00:02.000Z' })
    })

    it('keeps a file’s progress per item until it is cleared (what a pull killed mid-file resumes from)', async () => {
      const p = { sha256: 'a'.repeat(64), eventTimeMs: 1_796_000_000_123, records: 0, published: 0, duplicates: 0, dlq: 0 }
      expect(await cp.getFileProgress('s6', 'day1.csv@100')).toBeUndefined()
      await cp.setFileProgress('s6', 'day1.csv@100', p)
      await cp.setFileProgress('s6', 'day1.csv@100', { ...p, records: 20_000, published: 19_990, duplicates: 3, dlq: 7 })
      await cp.setFileProgress('s6', 'day2.csv@100', p)
      expect(await cp.getFileProgress('s6', 'day1.csv@100')).toEqual({ ...p, records: 20_000, published: 19_990, duplicates: 3, dlq: 7 })
      expect(await cp.getFileProgress('s7', 'day1.csv@100')).toBeUndefined()
      await cp.clearFileProgress('s6', 'day1.csv@100')
      expect(await cp.getFileProgress('s6', 'day1.csv@100')).toBeUndefined()
      expect(await cp.getFileProgress('s6', 'day2.csv@100')).toEqual(p)
    })
  })
}

suite('file', async () => createFileCheckpoints(await tempDir('checkpoints')))

describe('sources: checkpoints (postgres)', () => {
  beforeAll(async () => {
    db = await createTestDatabase('checkpoints')
  })
  afterAll(() => db.drop())
  suite('postgres', () => createPgCheckpoints(db.url))

  it('migrates concurrently started instances without error', async () => {
    const url = db.url
    const all = await Promise.all([createPgCheckpoints(url), createPgCheckpoints(url), createPgCheckpoints(url)])
    await Promise.all(all.map((c) => c.close()))
  })
})
