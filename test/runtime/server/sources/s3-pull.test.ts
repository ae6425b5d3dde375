import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { pullFiles, type FilePullEnv, type FileSource } from '../../../../src/runtime/server/sources/pull-files.ts'
import { createS3Store, s3ClientFor } from '../../../../src/runtime/server/sources/s3-store.ts'
import { S3Schema } from '../../../../src/sources/kinds/s3.ts'
import { parseSources } from '../../../../src/sources/config.ts'
import { pullSource } from '../../../../src/runtime/server/sources/pull.ts'
import { startS3, type TestS3 } from '../../../helpers/s3rver.ts'
import { ACME, ACME_HEADER, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

let h: Harness
let s3: TestS3
afterEach(async () => {
  await s3?.close()
  await h?.close()
})

const KEYS = { AK: 'S3RVER', SK: 'S3RVER' }

function setup(extra: Record<string, unknown> = {}) {
  const cfg = S3Schema.parse({ kind: 's3', bucket: s3.bucket, prefix: 'in/', glob: '*.csv', endpoint: s3.endpoint, force_path_style: true, access_key_id_env: 'AK', secret_access_key_env: 'SK', ...extra })
  const src: FileSource = { ...cfg, name: 'acme-s3', provider: 'acme', mapping: ACME }
  const env: FilePullEnv = { batch: h.env, checkpoints: createFileCheckpoints(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't' }
  const store = () => createS3Store(cfg, s3ClientFor(cfg, KEYS))
  return { src, env, store }
}

async function keys(): Promise<string[]> {
  const res = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))
  return (res.Contents ?? []).map((o) => o.Key ?? '').sort()
}

// Ingest once, sidecars, checksum mismatch, archive modes and growth are in file-kinds.test.ts, shared with sftp.
describe('sources: s3 pulls', () => {
  it('runs from sources.yaml through pullSource, as txgate pull and the scheduler do', async () => {
    h = await createHarness()
    s3 = await startS3()
    await s3.put('in/day1.csv', `${ACME_HEADER}\n${acmeRows(4)}`)
    const [src] = parseSources(
      [
        'sources:',
        '  acme-s3:',
        '    kind: s3',
        '    provider: acme',
        `    bucket: ${s3.bucket}`,
        '    prefix: in/',
        "    glob: '*.csv'",
        `    endpoint: ${s3.endpoint}`,
        '    force_path_style: true',
        '    access_key_id_env: AK',
        '    secret_access_key_env: SK',
      ].join('\n'),
    )
    const env = { batch: h.env, checkpoints: createFileCheckpoints(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't', fetch: { env: KEYS } }
    h.env.mappings = { acme: ACME }
    expect(await pullSource({ ...env, dryRun: true }, src!)).toMatchObject({ outcome: 'done', pages: 0, published: 0, wouldFetch: [{ key: 'in/day1.csv' }] })
    expect(await pullSource(env, src!)).toMatchObject({ outcome: 'done', pages: 1, rows: 4, published: 4 })
    expect(await pullSource(env, src!)).toMatchObject({ outcome: 'nothing_new' })
    expect(h.transactions()).toHaveLength(4)
  })

  it('a bad row goes to the DLQ and the file is still done', async () => {
    h = await createHarness()
    s3 = await startS3()
    await s3.put('in/mixed.csv', `${ACME_HEADER}\n${acmeRows(2)}T9;notadate;x;EUR;SETTLED;card;C1\n`)
    const { src, env, store } = setup()
    expect(await pullFiles(env, src, store())).toMatchObject({ outcome: 'done', files: 1, published: 2, dlq: 1 })
    expect(h.dlq()).toHaveLength(1)
    expect(await keys()).toEqual(['in/processed/mixed.csv'])
  })

  it('after a crash between ingest and archive, the next run archives without publishing again', async () => {
    h = await createHarness()
    s3 = await startS3()
    await s3.put('in/day2.csv', `${ACME_HEADER}\n${acmeRows(5)}`)
    const { src, env, store } = setup()
    const crashing = store()
    crashing.move = async () => {
      throw new Error('killed before archive')
    }
    await expect(pullFiles(env, src, crashing)).rejects.toThrow('killed before archive')
    expect(h.transactions()).toHaveLength(5)
    expect((await env.checkpoints.listJobs('acme-s3'))[0]?.status).toBe('done')
    expect(await pullFiles(env, src, store())).toMatchObject({ files: 0 })
    expect(h.transactions()).toHaveLength(5)
    expect(await keys()).toEqual(['in/processed/day2.csv'])
  })

  it('an object newer than min_age_s waits for a later run', async () => {
    h = await createHarness()
    s3 = await startS3()
    await s3.put('in/fresh.csv', `${ACME_HEADER}\n${acmeRows(1)}`)
    const { src, env, store } = setup({ min_age_s: 3600 })
    expect(await pullFiles(env, src, store())).toMatchObject({ outcome: 'nothing_new', skipped: 1 })
    expect(await keys()).toEqual(['in/fresh.csv'])
  })
})
