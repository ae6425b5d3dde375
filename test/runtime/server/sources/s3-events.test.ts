import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { createS3Events, type S3EventsRunner } from '../../../../src/runtime/server/sources/s3-events.ts'
import { pullSource } from '../../../../src/runtime/server/sources/pull.ts'
import { parseSources } from '../../../../src/sources/config.ts'
import { createTestGateway, type TestGateway } from '../../../helpers/app.ts'
import { minioCreated } from '../../../helpers/minio-event.ts'
import { startS3, type TestS3 } from '../../../helpers/s3rver.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

const FIXTURES = new URL('../../../fixtures/s3-events/', import.meta.url).pathname
// No "+" in the key: s3rver decodes x-amz-copy-source with decodeURI (leaves %2B), unlike S3 and MinIO.
const KEY = 'in/settlement 2026-12-07 eu.csv'
const TOKEN = 'minio-webhook-token-0123456789'
const SETTINGS = { AK: 'S3RVER', SK: 'S3RVER', DROPS_EVENTS_TOKEN: TOKEN }

let h: Harness
let s3: TestS3
let events: S3EventsRunner
let gw: TestGateway
afterEach(async () => {
  await events?.close()
  await s3?.close()
  await h?.close()
})

async function setup() {
  h = await createHarness({ mappings: { acme: ACME } })
  s3 = await startS3('drops')
  const sources = parseSources(
    [
      'sources:',
      '  drops:',
      '    kind: s3',
      '    provider: acme',
      '    bucket: drops',
      '    prefix: in/',
      "    glob: '*.csv'",
      `    endpoint: ${s3.endpoint}`,
      '    force_path_style: true',
      '    access_key_id_env: AK',
      '    secret_access_key_env: SK',
      '    events: { token_env: DROPS_EVENTS_TOKEN }',
    ].join('\n'),
  )
  const checkpoints = createFileCheckpoints(join(h.dir, 'sources'))
  events = createS3Events({ batch: h.env, checkpoints, stagingDir: join(h.dir, 'staging') }, sources, SETTINGS)
  gw = createTestGateway(SETTINGS, { deps: { sourceEvents: events } })
  return { sources, checkpoints }
}

const created = async (key: string, body: string) => minioCreated('drops', key, body)

const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, source = 'drops') =>
  gw.app.request(`http://gateway.test/sources/v1/${source}/s3-events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

async function keys(): Promise<string[]> {
  const res = await s3.client.send(new ListObjectsV2Command({ Bucket: 'drops' }))
  return (res.Contents ?? []).map((o) => o.Key ?? '').sort()
}

describe('sources: S3 object-created events (MinIO webhook)', { timeout: 60_000 }, () => {
  it('ingests the named object once (sidecar checked, key URL-decoded), archives it; the same notification again is a duplicate', async () => {
    await setup()
    const csv = `${ACME_HEADER}\n${acmeRows(12)}`
    await s3.put(KEY, csv)
    await s3.put(`${KEY}.sha256`, `${createHash('sha256').update(csv).digest('hex')}  settlement.csv\n`)
    const note = await created(KEY, csv)
    const first = await post(note)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ source: 'drops', records: 1, ingested: 1, duplicates: 0, objects: [{ key: KEY, outcome: 'ingested', rows: 12, published: 12 }] })
    expect(h.transactions()).toHaveLength(12)
    expect(await keys()).toEqual([`in/processed/${KEY.slice(3)}`, `in/processed/${KEY.slice(3)}.sha256`])

    const again = await post(note)
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ ingested: 0, duplicates: 1 })
    expect(h.transactions()).toHaveLength(12)
  })

  it('ignores removals, other buckets, sidecars and its own copies into processed/', async () => {
    await setup()
    const removed = JSON.parse(await readFile(join(FIXTURES, 'minio-object-removed.json'), 'utf8'))
    const own = await created('in/processed/x.csv', 'a')
    const sidecar = await created('in/x.csv.sha256', 'a')
    const other = await created('in/x.csv', 'a')
    ;(other['Records'] as { s3: { bucket: { name: string } } }[])[0]!.s3.bucket.name = 'elsewhere'
    const body = { Records: [removed, own, sidecar, other].flatMap((n) => n['Records'] as unknown[]) }
    const res = await post(body)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ records: 4, ignored: 4, ingested: 0 })
    expect(h.transactions()).toHaveLength(0)
  })

  it('an object whose .md5 does not match is refused: failed/, reason in the answer and the job, nothing published', async () => {
    const { checkpoints } = await setup()
    const csv = `${ACME_HEADER}\n${acmeRows(3)}`
    await s3.put('in/bad.csv', csv)
    await s3.put('in/bad.csv.md5', `${'f'.repeat(32)}  bad.csv\n`)
    const res = await post(await created('in/bad.csv', csv))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { failed: number; objects: { reason: string }[] }
    expect(body.failed).toBe(1)
    expect(body.objects[0]?.reason).toMatch(/MD5/)
    expect(h.transactions()).toHaveLength(0)
    expect(await keys()).toEqual(['in/failed/bad.csv', 'in/failed/bad.csv.md5'])
    expect((await checkpoints.listJobs('drops'))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/MD5/) })
    // A retry of the notification does not ingest the refused version either.
    expect(await (await post(await created('in/bad.csv', csv))).json()).toMatchObject({ duplicates: 1 })
  })

  it('a version a scheduled pull ingested is a duplicate; a notification for a replaced version is ignored', async () => {
    const { sources, checkpoints } = await setup()
    const v1 = `${ACME_HEADER}\n${acmeRows(2)}`
    await s3.put('in/a.csv', v1)
    const env = { batch: h.env, checkpoints, stagingDir: join(h.dir, 'staging'), holder: 't', fetch: { env: SETTINGS } }
    expect(await pullSource(env, sources[0]!)).toMatchObject({ outcome: 'done', rows: 2 })
    expect(await (await post(await created('in/a.csv', v1))).json()).toMatchObject({ duplicates: 1 })

    const v2 = `${ACME_HEADER}\n${acmeRows(4, 100)}`
    await s3.put('in/b.csv', v2)
    const stale = await created('in/b.csv', v1)
    expect(await (await post(stale)).json()).toMatchObject({ ignored: 1, objects: [{ reason: expect.stringMatching(/newer version/) }] })
    expect(await (await post(await created('in/b.csv', v2))).json()).toMatchObject({ ingested: 1 })
    expect(h.transactions()).toHaveLength(6)
  })

  it('answers 401 without or with a wrong token, 404 for a source without events, 400 problem+json for a malformed body, 413 over 1 MiB', async () => {
    await setup()
    const note = await created(KEY, 'x')
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: TOKEN }] as Record<string, string>[]) {
      const res = await post(note, headers)
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toMatch(/problem\+json/)
      expect(await res.text()).not.toContain(TOKEN)
    }
    expect((await post(note, undefined, 'nope')).status).toBe(404)
    for (const bad of ['not json', '{"Records": [{"eventName": "s3:ObjectCreated:Put"}]}', '{"hello": 1}']) {
      const res = await post(bad)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ code: 'bad_request', status: 400 })
    }
    expect((await post(`{"Records": [], "pad": "${'x'.repeat(1024 * 1024)}"}`)).status).toBe(413)
    expect(h.transactions()).toHaveLength(0)
  })
})
