/** The S3-event route in the real Node gateway: sources.yaml, PostgreSQL checkpoints, s3rver; kill -9 after the answer, restart, resend. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { minioCreated } from '../../../helpers/minio-event.ts'
import { startGateway, type GatewayProcess } from '../../../helpers/process.ts'
import { startS3, type TestS3 } from '../../../helpers/s3rver.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { ACME_HEADER, acmeRows } from '../batch/harness.ts'

const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres'
const DB = `txgate_s3_events_${process.pid}_${Date.now()}`
const TOKEN = 'gateway-events-token-42'
let s3: TestS3
let dir: string
let gw: GatewayProcess | undefined

beforeAll(async () => {
  const admin = new pg.Client(ADMIN)
  await admin.connect()
  await admin.query(`CREATE DATABASE ${DB}`)
  await admin.end()
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
    mapping:
      format: csv
      delimiter: ';'
      header_row: true
      column_mapping: { transaction_id: TXN_ID, timestamp: TXN_DATE, amount: AMOUNT, currency: CCY, status: STATE, payment_method: METHOD, customer_id: CUST }
      transformations: { timestamp: unix_to_iso8601, amount: decimal_to_minor }
`,
  )
})
afterAll(async () => {
  await gw?.stop('SIGKILL')
  await s3?.close()
  const admin = new pg.Client(ADMIN)
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.end()
})

const start = () =>
  startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TXGATE_SOURCES: join(dir, 'sources.yaml'),
    TXGATE_SOURCES_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
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
