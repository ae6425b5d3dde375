import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createJobRunner, type JobRunner } from '../../src/runtime/server/batch/jobs.ts'
import { createTestGateway, type TestGateway } from '../helpers/app.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../runtime/server/batch/harness.ts'

const TOKEN = 'admin-token-0123456789'
let h: Harness
let g: TestGateway
let runner: JobRunner
let uploads: string

async function setup() {
  h = await createHarness({ mappings: { acme: ACME } })
  uploads = await mkdtemp(join(tmpdir(), 'txgate-uploads-'))
  runner = createJobRunner(h.env, uploads)
  g = createTestGateway({ TXGATE_ADMIN_TOKEN: TOKEN }, { deps: { batch: runner, publisher: h.publisher } })
}
afterEach(async () => {
  await h?.close()
  await rm(uploads, { recursive: true, force: true })
})

const upload = (body: string, opts: { token?: string; query?: string; headers?: Record<string, string> } = {}) =>
  g.app.request(`http://gateway.test/batch/v1/acme/files${opts.query ?? '?name=day.csv'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token ?? TOKEN}`, 'content-type': 'text/csv', ...opts.headers },
    body,
  })

describe('batch: HTTP routes', () => {
  it('answers 202 with a job id, then reports the result by GET', async () => {
    await setup()
    const res = await upload(`${ACME_HEADER}\n${acmeRows(30)}bad;x;1;EUR;S;card;C\n`)
    expect(res.status).toBe(202)
    const { job_id, status_url } = (await res.json()) as { job_id: string; status_url: string }
    expect(res.headers.get('location')).toBe(status_url)
    await runner.idle()
    const job = await g.app.request(`http://gateway.test${status_url}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(job.status).toBe(200)
    expect(await job.json()).toMatchObject({
      id: job_id,
      state: 'succeeded',
      file: 'day.csv',
      stats: { read: 31, published: 30, dlq: 1 },
    })
    expect(h.transactions()).toHaveLength(30)
  })

  it('refuses a request without the admin bearer token (401 problem+json)', async () => {
    await setup()
    for (const token of ['wrong', '']) {
      const res = await upload(`${ACME_HEADER}\n${acmeRows(1)}`, { token })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    expect(h.publisher.records).toHaveLength(0)
  })

  it('keeps the routes closed when no admin token is configured', async () => {
    await setup()
    g = createTestGateway({}, { deps: { batch: runner } })
    expect((await upload(`${ACME_HEADER}\n${acmeRows(1)}`)).status).toBe(401)
  })

  it('reports a wrong upload checksum as a refused job, nothing published', async () => {
    await setup()
    const res = await upload(`${ACME_HEADER}\n${acmeRows(3)}`, { headers: { 'txgate-checksum': `sha256:${'ab'.repeat(32)}` } })
    const { status_url } = (await res.json()) as { status_url: string }
    await runner.idle()
    const job = await (await g.app.request(`http://gateway.test${status_url}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()
    expect(job).toMatchObject({ state: 'refused', refusal: 'checksum_mismatch' })
    expect(h.publisher.records).toHaveLength(0)
  })

  it('answers 400 for a malformed checksum header, 404 for a provider without a mapping or an unknown job', async () => {
    await setup()
    expect((await upload('x', { headers: { 'txgate-checksum': 'md5:abc' } })).status).toBe(400)
    const none = await g.app.request('http://gateway.test/batch/v1/nobody/files', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' })
    expect(none.status).toBe(404)
    const unknown = await g.app.request(`http://gateway.test/batch/v1/jobs/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(unknown.status).toBe(404)
  })
})
