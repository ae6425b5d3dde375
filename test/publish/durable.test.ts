import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Unavailable } from '../../src/errors.ts'
import { createLogger } from '../../src/observability/log.ts'
import { createBreaker } from '../../src/publish/breaker.ts'
import { createDurablePublisher, type DurablePublisher } from '../../src/publish/durable.ts'
import { createKafkaRestPublisher } from '../../src/publish/kafka-rest.ts'
import type { KafkaRecord } from '../../src/publish/types.ts'
import { openSpool } from '../../src/runtime/server/spool.ts'
import { createSpoolBacklog } from '../../src/runtime/server/spool-publisher.ts'
import { createTestGateway } from '../helpers/app.ts'
import { startKafkaRestDouble, type KafkaRestDouble } from '../helpers/kafka-rest-double.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const TOPIC = 'transactions.realtime'
const rec = (n: number, topic = TOPIC): KafkaRecord => ({
  topic,
  key: `stripe:pi_${n % 3}`,
  headers: { event_id: `e${n}`, provider: 'stripe' },
  value: { event_id: `e${n}` } as unknown as KafkaRecord['value'],
})
const eventIds = (d: KafkaRestDouble, topic = TOPIC) =>
  d.records(topic).map((r) => r.headers['event_id'])
const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `e${from + i}`)

let double: KafkaRestDouble
const open: DurablePublisher[] = []
afterEach(async () => {
  for (const p of open.splice(0)) await p.close()
  await double?.close()
})

type SetupOptions = {
  timeoutMs?: number
  maxBytes?: number
  failures?: number
  spool?: boolean
  dir?: string
}

async function setup(opts: SetupOptions = {}) {
  // A restart (dir given) keeps talking to the same bridge.
  if (!opts.dir) double = await startKafkaRestDouble({ topics: [TOPIC, 'transactions.dlq'] })
  const dir = opts.dir ?? (await tempDir('durable'))
  const spool =
    opts.spool === false ? undefined : await openSpool({ dir, maxBytes: opts.maxBytes ?? 1 << 20 })
  const logs: Record<string, unknown>[] = []
  const publisher = createDurablePublisher({
    primary: createKafkaRestPublisher({
      url: double.url,
      clusterId: double.clusterId,
      fetch,
      timeoutMs: opts.timeoutMs ?? 2000,
    }),
    ...(spool ? { backlog: createSpoolBacklog(spool) } : {}),
    breaker: createBreaker({
      clock: Date.now,
      failureThreshold: opts.failures ?? 2,
      cooldownMs: 50,
    }),
    log: createLogger(
      'debug',
      (l) => logs.push(JSON.parse(l) as Record<string, unknown>),
      Date.now,
    ),
    timeoutMs: opts.timeoutMs ?? 2000,
    replayBatch: 4,
  })
  open.push(publisher)
  return { publisher, dir, logs }
}

/** Polls until `check` passes (replay runs in the background); bounded. */
async function eventually(check: () => void, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    try {
      return check()
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

describe('publish: durable (Kafka first, spool behind it)', () => {
  it('acknowledges through Kafka while it is healthy, leaving the spool empty', async () => {
    const { publisher } = await setup()
    await publisher.publish([rec(0)])
    expect(eventIds(double)).toEqual(['e0'])
    expect(publisher.state?.().spool?.pending_bytes).toBe(0)
  })

  it('spools while Kafka fails, opens the breaker, and replays everything in order once Kafka is back', async () => {
    const { publisher, dir } = await setup()
    double.mode = 'error'
    for (let i = 0; i < 10; i++) await publisher.publish([rec(i)])
    expect(eventIds(double)).toEqual([])
    expect(publisher.state?.().breaker?.state).not.toBe('closed')
    double.mode = 'healthy'
    await eventually(() => expect(eventIds(double)).toEqual(ids(0, 10)))
    await eventually(() => expect(publisher.state?.().spool?.pending_bytes).toBe(0))
    expect((await readdir(dir)).filter((n) => /^\d+\.ndjson$/.test(n))).toEqual([])
    expect(publisher.state?.().breaker?.state).toBe('closed')
  })

  it('queues new records behind the spooled ones, so Kafka gets them in order', async () => {
    const { publisher } = await setup({ failures: 100 })
    double.mode = 'error'
    await publisher.publish([rec(0)])
    double.mode = 'healthy'
    for (let i = 1; i < 20; i++) await publisher.publish([rec(i)])
    await eventually(() => expect(eventIds(double)).toEqual(ids(0, 20)))
  })

  it('counts a publish with no answer within the bound as failed and spools it', async () => {
    const { publisher } = await setup({ timeoutMs: 300 })
    double.mode = 'hang'
    await publisher.publish([rec(0)]) // resolves: the record is fsync'd in the spool
    expect(publisher.state?.().spool?.pending_bytes).toBeGreaterThan(0)
    double.mode = 'healthy'
    await eventually(() => expect(eventIds(double)).toContain('e0'))
  })

  it('answers 503 with Retry-After when Kafka is down and the spool is full', async () => {
    const { publisher } = await setup({ maxBytes: 300 })
    double.mode = 'error'
    await publisher.publish([rec(0)])
    const err = await publisher.publish([rec(1), rec(2), rec(3)]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Unavailable)
    expect((err as Unavailable).retryAfter).toBeGreaterThan(0)
    double.mode = 'healthy'
    await eventually(() => expect(eventIds(double)).toEqual(['e0'])) // what was acknowledged is kept
  })

  it('answers 503 without a spool (the edge) when Kafka is down', async () => {
    const { publisher } = await setup({ spool: false })
    double.mode = 'error'
    await expect(publisher.publish([rec(0)])).rejects.toBeInstanceOf(Unavailable)
  })

  it('without a spool, answers 503 at once while the breaker is open, then probes Kafka again', async () => {
    const { publisher } = await setup({ spool: false })
    double.mode = 'error'
    for (let i = 0; i < 2; i++) await publisher.publish([rec(i)]).catch(() => undefined)
    const tried = double.requests.length
    await expect(publisher.publish([rec(2)])).rejects.toBeInstanceOf(Unavailable)
    expect(double.requests.length).toBe(tried) // open: Kafka was not asked
    double.mode = 'healthy'
    await eventually(() => expect(publisher.state?.().breaker?.state).toBe('half-open'))
    await publisher.publish([rec(3)]) // the probe
    expect(publisher.state?.().breaker?.state).toBe('closed')
    expect(eventIds(double)).toEqual(['e3'])
  })

  it('keeps a record Kafka refuses apart, delivers its neighbours, and keeps the breaker closed', async () => {
    const { publisher, dir, logs } = await setup()
    double.reject = (r) =>
      r.headers['event_id'] === 'e1' ? { status: 413, message: 'Record too large' } : undefined
    await Promise.all([0, 1, 2].map((i) => publisher.publish([rec(i)])))
    expect(eventIds(double).sort()).toEqual(['e0', 'e2'])
    expect(publisher.state?.().breaker?.state).toBe('closed')
    expect(publisher.state?.().spool?.quarantined).toBe(1)
    expect(await readFile(join(dir, 'rejected.ndjson'), 'utf8')).toContain('"event_id":"e1"')
    expect(
      logs.some((l) => l['level'] === 'error' && JSON.stringify(l['event_ids']) === '["e1"]'),
    ).toBe(true)
  })

  it('sends DLQ records to the DLQ topic through the same path', async () => {
    const { publisher } = await setup()
    double.mode = 'error'
    await publisher.publish([rec(0, 'transactions.dlq')])
    double.mode = 'healthy'
    await eventually(() => expect(eventIds(double, 'transactions.dlq')).toEqual(['e0']))
  })

  it('replays at start what an earlier process left in the spool', async () => {
    const first = await setup()
    double.mode = 'error'
    for (let i = 0; i < 5; i++) await first.publisher.publish([rec(i)])
    await first.publisher.close()
    open.splice(0)
    double.mode = 'healthy'
    await setup({ dir: first.dir })
    await eventually(() => expect(eventIds(double)).toEqual(ids(0, 5)))
  })

  it('reports the breaker and the spool for /ready, and stays ready while the spool has room', async () => {
    const { publisher } = await setup()
    double.mode = 'error'
    await publisher.publish([rec(0)])
    await eventually(() => expect(publisher.state?.().breaker?.state).not.toBe('closed')) // the replay's try
    const health = await publisher.ping()
    expect(health).toMatchObject({ ok: true, kind: 'kafka-rest-v3' })
    expect(health.detail).toMatch(/HTTP 500; breaker (open|half-open)/)
    expect(publisher.state?.()).toMatchObject({ spool: { max_bytes: 1 << 20 } })
    expect(publisher.state?.().spool?.pending_bytes).toBeGreaterThan(0)
  })

  it('shows the publisher, its breaker and the spool on GET /ready', async () => {
    const { publisher } = await setup()
    const g = createTestGateway({}, { deps: { publisher } })
    const healthy = await (await g.app.request('/ready')).json()
    expect(healthy.publisher).toMatchObject({
      ok: true,
      kind: 'kafka-rest-v3',
      breaker: { state: 'closed' },
      spool: { pending_bytes: 0 },
    })
    double.mode = 'error'
    await publisher.publish([rec(0)])
    await eventually(() => expect(publisher.state?.().breaker?.state).not.toBe('closed'))
    const res = await g.app.request('/ready')
    expect(res.status).toBe(200) // Kafka is down but the spool still takes events durably
    const body = await res.json()
    expect(body.publisher).toMatchObject({
      ok: true,
      breaker: { state: expect.stringMatching(/open/) },
    })
  })
})
