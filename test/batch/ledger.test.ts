import { afterAll, describe, expect, it } from 'vitest'
import { createStoreLedger } from '../../src/batch/ledger.ts'
import { openRedisStore } from '../../src/runtime/server/redis-store.ts'
import { deleteKeys, uniquePrefix } from '../helpers/redis-server.ts'

// The file ledger with REDIS_URL: every instance sees which file a job is ingesting.
const SHARED = 'redis://127.0.0.1:6379'
const prefix = uniquePrefix('ledger')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
afterAll(() => deleteKeys(prefix))

let n = 0
const sha = () => `sha-${++n}`
const LEASE_MS = 600
const open = async () => {
  const store = await openRedisStore({ url: SHARED, prefix })
  expect(await store.connected(2000)).toBe(true)
  return store
}

describe('batch: the file ledger in Redis', () => {
  it('keeps a running job’s file claimed past its lease while the job runs, then remembers it done', async () => {
    const store = await open()
    try {
      const a = createStoreLedger(store, { leaseMs: LEASE_MS })
      const b = createStoreLedger(store, { leaseMs: LEASE_MS })
      const file = sha()
      expect(await a.claim('stripe', file, 'job-1')).toEqual({ ok: true })
      await sleep(LEASE_MS * 2.5) // renewed every 200 ms
      expect(await b.claim('stripe', file, 'job-2')).toEqual({ ok: false, jobId: 'job-1', state: 'running' })
      await a.commit('stripe', file, 'job-1')
      expect(await b.claim('stripe', file, 'job-2')).toEqual({ ok: false, jobId: 'job-1', state: 'done' })
    } finally {
      await store.close()
    }
  })

  it('frees the file of a job that died within one lease, not hours later', async () => {
    const dying = await open()
    const store = await open()
    try {
      const file = sha()
      expect(await createStoreLedger(dying, { leaseMs: LEASE_MS }).claim('stripe', file, 'job-1')).toEqual({ ok: true })
      await dying.close() // its process is gone: no more renewals
      const next = createStoreLedger(store, { leaseMs: LEASE_MS })
      expect(await next.claim('stripe', file, 'job-2')).toMatchObject({ ok: false, state: 'running' })
      await sleep(LEASE_MS + 300)
      expect(await next.claim('stripe', file, 'job-2')).toEqual({ ok: true })
      await next.release('stripe', file, 'job-2')
    } finally {
      await store.close()
    }
  })

  it('lets the next job take a file at once after a failed job released it, and says when a claim was lost', async () => {
    const store = await open()
    try {
      const lost: string[] = []
      const a = createStoreLedger(store, { leaseMs: LEASE_MS, onLost: (_p, _s, job) => lost.push(job) })
      const file = sha()
      await a.claim('stripe', file, 'job-1')
      await a.release('stripe', file, 'job-1')
      expect(await a.claim('stripe', file, 'job-2')).toEqual({ ok: true })
      await store.release(`idem:batch-file:stripe:${file}`, 'job-2') // an operator cleared it
      await sleep(LEASE_MS)
      expect(lost).toContain('job-2')
      await a.release('stripe', file, 'job-2')
    } finally {
      await store.close()
    }
  })
})
