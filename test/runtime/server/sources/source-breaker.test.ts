/**
 * A pull source's circuit breaker and terminal state, wired: the in-gateway scheduler (real croner
 * ticks, the real paged HTTP API, breaker state in a fresh PostgreSQL database), `txgate pull`
 * forcing a run, an SFTP source against a real sshd, and /metrics and /ready of the real gateway.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from '../../../../src/observability/metrics.ts'
import { toPrometheusText } from '../../../../src/observability/prometheus-text.ts'
import { createFileCheckpoints } from '../../../../src/runtime/server/sources/checkpoints-file.ts'
import { pullGuarded } from '../../../../src/runtime/server/sources/guarded-pull.ts'
import { createPgHealthStore } from '../../../../src/runtime/server/sources/health-store.ts'
import type { PullResult } from '../../../../src/runtime/server/sources/pull.ts'
import { startSourceScheduler, type SourceScheduler } from '../../../../src/runtime/server/sources/scheduler.ts'
import { createSourceMetrics } from '../../../../src/runtime/server/sources/source-metrics.ts'
import type { HealthStore } from '../../../../src/sources/breaker.ts'
import { parseSources, type PullSourceConfig } from '../../../../src/sources/config.ts'
import { apiRows, startPagedApi, type PagedApi } from '../../../helpers/paged-api.ts'
import { startGateway, type GatewayProcess } from '../../../helpers/process.ts'
import { startS3, type TestS3 } from '../../../helpers/s3rver.ts'
import { startSshd, type TestSshd } from '../../../helpers/sshd.ts'
import { runTxgate } from '../../../helpers/txgate-cli.ts'
import { createTestDatabase, type TestDatabase } from '../../../helpers/postgres.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'
import { ACME_HEADER, ACME_MAPPING_YAML, acmeRows, createHarness, type Harness } from '../batch/harness.ts'

let db: TestDatabase
const T0 = Date.parse('2026-12-07T12:00:00Z')
const silent = { debug() {}, info() {}, warn() {}, error() {} }

let health: HealthStore
let h: Harness | undefined
let api: PagedApi | undefined
let sched: SourceScheduler | undefined
let sshd: TestSshd | undefined
let gw: GatewayProcess | undefined
let s3: TestS3 | undefined

beforeAll(async () => {
  db = await createTestDatabase('breaker')
  health = await createPgHealthStore(db.url)
})
afterEach(async () => {
  await sched?.close()
  await gw?.stop('SIGKILL')
  await api?.close()
  await h?.close()
  await sshd?.close()
  await s3?.close()
  sched = gw = api = h = sshd = s3 = undefined
})
afterAll(async () => {
  await health?.close()
  await db?.drop()
})

const MAPPING = `    mapping:
      column_mapping: { transaction_id: Id, timestamp: Date, amount: Amount, status: Status }
      defaults: { currency: IRR, payment_method: bank_transfer }
`

function httpSource(name: string, url: string, extra = ''): PullSourceConfig {
  const [src] = parseSources(`sources:
  ${name}:
    kind: http-poll
    provider: mahak
    schedule: { every: 1s }
    url: ${url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    retry: { attempts: 1, base_ms: 1, max_ms: 1 }
    breaker: { failures: 3, cooldown: 1m }
${MAPPING}${extra}`)
  return src as PullSourceConfig
}

/** The scheduler as the gateway runs it, with its metrics, on a clock the test moves. */
async function schedule(src: PullSourceConfig, clock: () => number) {
  const harness = (h = await createHarness())
  const checkpoints = createFileCheckpoints(join(harness.dir, 'sources'))
  const metrics = createMetrics()
  const sm = await createSourceMetrics(metrics, [src.name], checkpoints, clock, { health, sources: [src.name] })
  const runs: PullResult[] = []
  const start = (s: PullSourceConfig) =>
    startSourceScheduler(
      { batch: harness.env, checkpoints, health, clock, stagingDir: join(harness.dir, 'staging'), holder: 't', log: silent, env: {}, onRun: (r, st) => (runs.push(r), sm.run(r, st)) },
      [s],
    )
  sched = start(src)
  const text = async () => toPrometheusText(await metrics.collect())
  const value = (t: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(t)?.[1] ?? NaN)
  return { runs, text, value, checkpoints, restart: (s: PullSourceConfig) => (sched = start(s)) }
}

describe('sources: the circuit breaker and terminal state, wired', { timeout: 60_000 }, () => {
  it('an API that answers 500 opens the circuit after 3 runs; scheduled runs are skipped and counted; after the cool-down a trial that succeeds closes it', async () => {
    api = await startPagedApi(apiRows(5))
    api.failures.push({ status: 500 }, { status: 500 }, { status: 500 })
    let now = T0
    const s = await schedule(httpSource('flaky', api.url), () => now)
    await until(() => s.runs.filter((r) => r.outcome === 'skipped').length >= 2)
    expect(s.runs.slice(0, 3).map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed'])
    // The skipped ticks never reached the API.
    expect(api.requests).toHaveLength(3)
    expect(await health.get('flaky')).toMatchObject({ state: 'open', failures: 3, lastError: expect.stringMatching(/HTTP 500/), retryAt: new Date(T0 + 60_000).toISOString() })
    let t = await s.text()
    expect(s.value(t, 'txgate_source_state{source="flaky",state="open"}')).toBe(1)
    expect(s.value(t, 'txgate_source_state{source="flaky",state="closed"}')).toBe(0)
    expect(s.value(t, 'txgate_source_runs_total{source="flaky",outcome="skipped"}')).toBeGreaterThanOrEqual(2)
    expect(s.value(t, 'txgate_source_failures_total{source="flaky"}')).toBe(3)

    // Stopped while the clock moves: past the cool-down the state reads half_open before any trial runs.
    await sched?.close()
    now += 60_000
    expect(s.value(await s.text(), 'txgate_source_state{source="flaky",state="half_open"}')).toBe(1)
    s.restart(httpSource('flaky', api.url))
    await until(() => s.runs.some((r) => r.outcome === 'done'))
    expect(s.runs.find((r) => r.outcome === 'done')).toMatchObject({ rows: 5, published: 5, bytes: expect.any(Number) })
    expect(await health.get('flaky')).toMatchObject({ state: 'closed', failures: 0 })
    t = await s.text()
    expect(s.value(t, 'txgate_source_state{source="flaky",state="closed"}')).toBe(1)
    expect(s.value(t, 'txgate_source_bytes_total{source="flaky"}')).toBeGreaterThan(100)
    expect(h?.transactions()).toHaveLength(5)
  })

  it('a 401 makes the source terminal at once: skipped past any cool-down, until a forced run succeeds or its configuration changes', async () => {
    api = await startPagedApi(apiRows(4))
    api.failures.push({ status: 401 })
    let now = T0
    const src = httpSource('denied', api.url)
    const s = await schedule(src, () => now)
    await until(() => s.runs.filter((r) => r.outcome === 'skipped').length >= 1)
    expect(s.runs[0]).toMatchObject({ outcome: 'failed', terminal: true, error: expect.stringMatching(/HTTP 401/) })
    expect(await health.get('denied')).toMatchObject({ state: 'terminal', failures: 1 })
    now += 24 * 3_600_000
    const skipped = s.runs.length
    await until(() => s.runs.length >= skipped + 2)
    expect(s.runs.slice(1).every((r) => r.outcome === 'skipped')).toBe(true)
    expect(api.requests).toHaveLength(1)
    expect(s.value(await s.text(), 'txgate_source_state{source="denied",state="terminal"}')).toBe(1)
    await sched?.close()

    // `txgate pull`'s forced run: still refused, it stays terminal; accepted, the source is closed again.
    const harness = h as Harness
    const env = { batch: harness.env, checkpoints: s.checkpoints, stagingDir: join(harness.dir, 'staging'), holder: 'cli', fetch: { env: {} } }
    api.failures.push({ status: 403 })
    const refused = await pullGuarded(env, { health, clock: () => now }, src, { force: true })
    expect(refused).toMatchObject({ trial: true, result: { outcome: 'failed', terminal: true }, after: { state: 'terminal', failures: 2 } })
    const fixed = await pullGuarded(env, { health, clock: () => now }, src, { force: true })
    expect(fixed).toMatchObject({ trial: true, result: { outcome: 'done', rows: 4 }, after: { state: 'closed', failures: 0 } })

    // Terminal again; then a changed configuration (here the page size) gets one normal run.
    api.failures.push({ status: 401 })
    api.rows.push(...apiRows(2, 5))
    let n = s.runs.length
    s.restart(src)
    await until(() => s.runs.length >= n + 2)
    await sched?.close()
    expect(s.runs.slice(n).map((r) => r.outcome)).toEqual(['failed', ...s.runs.slice(n + 1).map(() => 'skipped')])
    expect(await health.get('denied')).toMatchObject({ state: 'terminal' })
    n = s.runs.length
    s.restart({ ...src, page_size: 20 } as PullSourceConfig)
    await until(() => s.runs.length > n)
    expect(s.runs[n]).toMatchObject({ outcome: 'done', rows: 2 })
    expect(await health.get('denied')).toMatchObject({ state: 'closed', failures: 0 })
    expect(harness.transactions().map((x) => x['transaction_id'])).toEqual(apiRows(6).map((r) => r.Id))
  })

  it('txgate pull on a terminal source exits 1 and says why; txgate sources shows the state and last error; a pull that succeeds exits 0 and closes it', async () => {
    api = await startPagedApi(apiRows(3))
    const dir = await tempDir('breaker-cli')
    await writeFile(
      join(dir, 'sources.yaml'),
      `sources:
  mahak:
    kind: http-poll
    provider: mahak
    url: ${api.url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
    auth: { type: bearer, token_env: MAHAK_TOKEN }
${MAPPING}`,
    )
    const env = { ...process.env, TXGATE_SPOOL_DIR: join(dir, 'spool'), TXGATE_BATCH_DIR: join(dir, 'batch'), TXGATE_BATCH_WORKERS: '0', MAHAK_TOKEN: 'expired-token' }
    api.failures.push({ status: 401 })
    const denied = await runTxgate(['pull', 'mahak'], { env, cwd: dir })
    expect(denied.code).toBe(1)
    expect(JSON.parse(denied.out)).toMatchObject({ outcome: 'failed', terminal: true, state: 'terminal' })
    expect(denied.err).toMatch(/HTTP 401/)
    expect(denied.err).toMatch(/mahak is terminal: a permanent error/)

    const listed = await runTxgate(['sources', '--json'], { env, cwd: dir })
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ name: 'mahak', state: 'terminal', failures: 1, last_error: expect.stringMatching(/HTTP 401/), retry_at: null })])
    const table = await runTxgate(['sources'], { env, cwd: dir })
    expect(table.out).toMatch(/STATE\s+FAILURES\s+RETRY AT/)
    expect(table.out).toMatch(/^mahak\s.*\sterminal\s+1\s+-$/m)
    expect(table.out).toMatch(/^mahak: terminal since \S+: .*HTTP 401/m)
    // The token is never shown.
    expect(table.out + listed.out + denied.out + denied.err).not.toContain('expired-token')

    const ok = await runTxgate(['pull', 'mahak'], { env, cwd: dir })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.out)).toMatchObject({ outcome: 'done', rows: 3, state: 'closed' })
    expect(ok.err).toMatch(/mahak was terminal .*HTTP 401.*this run was its trial/)
    expect(ok.err).toMatch(/mahak recovered/)
    expect(JSON.parse((await runTxgate(['sources', '--json'], { env, cwd: dir })).out)).toEqual([expect.objectContaining({ state: 'closed', failures: 0, last_error: null })])
  })

  it('an SFTP source whose password the server refuses, or whose folder does not exist, is terminal; a scheduled run then does not connect', async () => {
    sshd = await startSshd()
    await mkdir(join(sshd.dir, 'out'))
    await writeFile(join(sshd.dir, 'out', 'day.csv'), `${ACME_HEADER}\n${acmeRows(3)}`)
    h = await createHarness()
    const sftp = (name: string, auth: string, path: string) =>
      parseSources(`sources:
  ${name}:
    kind: sftp
    provider: acme
    host: 127.0.0.1
    port: ${sshd?.port}
    username: ${sshd?.user}
    ${auth}
    host_key_sha256: ['${sshd?.hostFingerprint}']
    path: ${path}
    glob: '*.csv'
${ACME_MAPPING_YAML}`)[0] as PullSourceConfig
    const env = { batch: h.env, checkpoints: createFileCheckpoints(join(h.dir, 'sources')), stagingDir: join(h.dir, 'staging'), holder: 't', fetch: { env: { SFTP_PASSWORD: 'not-the-password', SFTP_KEY: sshd.clientKey } } }
    const guard = { health, clock: () => T0 }

    const wrongPassword = sftp('bank-drops', 'password_env: SFTP_PASSWORD', join(sshd.dir, 'out'))
    const first = await pullGuarded(env, guard, wrongPassword)
    expect(first.result).toMatchObject({ outcome: 'failed', terminal: true, error: expect.stringMatching(/authentication/i) })
    expect(first.after).toMatchObject({ state: 'terminal', failures: 1 })
    expect(JSON.stringify(first)).not.toContain('not-the-password')
    const later = await pullGuarded(env, guard, wrongPassword)
    expect(later.result).toMatchObject({ outcome: 'skipped', error: expect.stringMatching(/^terminal since .*authentication/i) })

    const noFolder = await pullGuarded(env, guard, sftp('bank-gone', 'private_key_env: SFTP_KEY', join(sshd.dir, 'missing')))
    expect(noFolder.result).toMatchObject({ outcome: 'failed', terminal: true, error: expect.stringMatching(/No such file/i) })
    expect(noFolder.after).toMatchObject({ state: 'terminal' })

    // The same server with the right key: the file is ingested, the source stays closed.
    const good = await pullGuarded(env, guard, sftp('bank-ok', 'private_key_env: SFTP_KEY', join(sshd.dir, 'out')))
    expect(good.result).toMatchObject({ outcome: 'done', rows: 3, bytes: expect.any(Number) })
    expect(good.after).toBeUndefined()
    expect(h.transactions()).toHaveLength(3)
  })

  it('an S3 source whose bucket does not exist, or whose keys are not set, is terminal; a server that does not answer is not', async () => {
    s3 = await startS3('drops')
    await s3.put('in/day.csv', `${ACME_HEADER}\n${acmeRows(2)}`)
    h = await createHarness()
    const bucket = (name: string, b: string, endpoint: string) =>
      parseSources(`sources:
  ${name}:
    kind: s3
    provider: acme
    bucket: ${b}
    prefix: in/
    glob: '*.csv'
    endpoint: ${endpoint}
    force_path_style: true
    access_key_id_env: AK
    secret_access_key_env: SK
${ACME_MAPPING_YAML}`)[0] as PullSourceConfig
    const env = (keys: { AK: string; SK: string }) => ({ batch: (h as Harness).env, checkpoints: createFileCheckpoints(join((h as Harness).dir, 'sources')), stagingDir: join((h as Harness).dir, 'staging'), holder: 't', fetch: { env: keys } })
    const guard = { health, clock: () => T0 }
    const right = { AK: 'S3RVER', SK: 'S3RVER' }
    const missing = await pullGuarded(env(right), guard, bucket('s3-missing', 'no-such-bucket', s3.endpoint))
    expect(missing.result).toMatchObject({ outcome: 'failed', terminal: true })
    expect(missing.after).toMatchObject({ state: 'terminal' })
    // (s3rver checks no signatures, so wrong keys are not testable here; keys that are not set are.)
    const noKeys = await pullGuarded(env({ AK: 'S3RVER', SK: '' }), guard, bucket('s3-nokeys', 'drops', s3.endpoint))
    expect(noKeys.result).toMatchObject({ outcome: 'failed', terminal: true, error: expect.stringMatching(/AK and SK must be set/) })
    // Nothing listening there: transient, it counts toward the breaker but the source stays closed.
    const down = await pullGuarded(env(right), guard, bucket('s3-down', 'drops', 'http://127.0.0.1:9'))
    expect(down.result).toMatchObject({ outcome: 'failed' })
    expect(down.result.terminal).toBeUndefined()
    expect(down.after).toMatchObject({ state: 'closed', failures: 1 })
    const ok = await pullGuarded(env(right), guard, bucket('s3-ok', 'drops', s3.endpoint))
    expect(ok.result).toMatchObject({ outcome: 'done', rows: 2 })
  })

  it('the real gateway shows a terminal source on /metrics and in /ready (still ready: pull sources are detail)', async () => {
    api = await startPagedApi(apiRows(2))
    for (let i = 0; i < 50; i++) api.failures.push({ status: 404 })
    const dir = await tempDir('breaker-gateway')
    await writeFile(
      join(dir, 'sources.yaml'),
      `sources:
  erp:
    kind: http-poll
    provider: mahak
    schedule: { every: 1s }
    url: ${api.url}
    items: data
    page_size: 10
    page_size_param: pageSize
    cursor: { type: row_version, param: fromRowVersion, field: RowVersion }
${MAPPING}`,
    )
    gw = await startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      TXGATE_SOURCES: join(dir, 'sources.yaml'),
      TXGATE_SOURCES_DATABASE_URL: db.url,
      TXGATE_SPOOL_DIR: join(dir, 'spool'),
      TXGATE_BATCH_DIR: join(dir, 'batch'),
      TXGATE_BATCH_WORKERS: '0',
    })
    const g = gw
    let metrics = ''
    await untilAsync(async () => {
      metrics = await (await fetch(`${g.url}/metrics`)).text()
      return /^txgate_source_runs_total\{source="erp",outcome="skipped"\} [1-9]/m.test(metrics)
    })
    expect(metrics).toMatch(/^txgate_source_state\{source="erp",state="terminal"\} 1$/m)
    expect(metrics).toMatch(/^txgate_source_state\{source="erp",state="closed"\} 0$/m)
    expect(metrics).toMatch(/^txgate_source_runs_total\{source="erp",outcome="failed"\} 1$/m)
    expect(api.requests).toHaveLength(1)
    const ready = await fetch(`${g.url}/ready`)
    expect(ready.status).toBe(200)
    expect(((await ready.json()) as { sources: unknown }).sources).toEqual([
      { source: 'erp', state: 'terminal', failures: 1, since: expect.any(String), last_error: expect.stringMatching(/HTTP 404/) },
    ])
    expect(g.output()).toMatch(/source terminal/)
  })
})

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 100))
  expect(ok()).toBe(true)
}

async function untilAsync(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await ok()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  expect(await ok()).toBe(true)
}
