/** The S3-event route in the real Node gateway: sources.yaml, PostgreSQL checkpoints, s3rver; kill -9 after the answer, restart, resend. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { minioCreated } from '../../../helpers/minio-event.ts'
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts'
import { startGateway, type GatewayProcess } from '../../../helpers/process.ts'
import { startS3, type TestS3 } from '../../../helpers/s3rver.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { ACME_HEADER, ACME_MAPPING_YAML, acmeRows } from '../batch/harness.ts'

let db: TestDatabase
const TOKEN = 'gateway-events-token-42'
let s3: TestS3
let dir: string
let gw: GatewayProcess | undefined

beforeAll(async () => {
  db = await createTestDatabase('s3_events')
  s3 = await startS3('drops')
  dir = await tempDir('s3-events-gateway')
  await writeFile(
    join(dir, 'sources.yaml'),
    `sources:
  drops:
    kind: s3
    provider: acme
    bucket: drops
    prefix: in/
    glob: '*.csv'
    endpoint: ${s3.endpoint}
    force_path_style: true
    access_key_id_env: AK
    secret_access_key_env: SK
    events: { token_env: DROPS_TOKEN }
${ACME_MAPPING_YAML}`,
  )
})
afterAll(async () => {
  await gw?.stop('SIGKILL')
  await s3?.close()
  await db?.drop()
})

const start = () =>
  startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TXGATE_SOURCES: join(dir, 'sources.yaml'),
    TXGATE_SOURCES_DATABASE_URL: db.url,
    TXGATE_SPOOL_DIR: join(dir, 'spool'),
    TXGATE_BATCH_DIR: join(dir, 'batch'),
    TXGATE_BATCH_WORKERS: '0',
    AK: 'S3RVER',
    SK: 'S3RVER',
    DROPS_TOKEN: TOKEN,
  })

describe('sources: S3 events through the real gateway', { timeout: 120_000 }, () => {
  it('ingests a notified object, answers after it is durable; killed -9 and restarted, the same notification is a duplicate', async () => {
    const csv = `${ACME_HEADER}\n${acmeRows(25)}`
    await s3.put('in/day.csv', csv)
    const note = JSON.stringify(minioCreated('drops', 'in/day.csv', csv))
    const send = (g: GatewayProcess) => fetch(`${g.url}/sources/v1/drops/s3-events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: note })

    gw = await start()
    const first = await send(gw)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ ingested: 1, objects: [{ outcome: 'ingested', rows: 25, published: 25 }] })
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metrics).toMatch(/^txgate_source_rows_total\{source="drops"\} 25$/m)
    await gw.stop('SIGKILL')

    gw = await start()
    const again = await send(gw)
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ ingested: 0, duplicates: 1 })
    expect((await send(gw)).status).toBe(200)
    expect((await fetch(`${gw.url}/sources/v1/drops/s3-events`, { method: 'POST', body: note })).status).toBe(401)
  })
})
