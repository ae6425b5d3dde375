/**
 * Queue sources as users run them: `txgate consume <source>` and `npm start` (bin/serve.js) with a
 * sources.yaml that declares a RabbitMQ source, as real child processes against the real broker,
 * publishing into the spool. SIGTERM stops them gracefully; kill -9 and a restart lose nothing.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import amqp from 'amqplib'
import { afterEach, describe, expect, it } from 'vitest'
import { readSpool } from '../../../../src/runtime/server/spool.ts'
import { fixture } from '../../../helpers/app.ts'
import { startGateway, type GatewayProcess } from '../../../helpers/process.ts'
import { signedStripe, until } from '../../../helpers/queue-messages.ts'
import { deleteKeys, uniquePrefix } from '../../../helpers/redis-server.ts'
import { tempDir } from '../../../helpers/temp-dir.ts'

const AMQP = 'amqp://guest:guest@127.0.0.1:5672'
const SECRET = 'whsec_consume'
const BIN = new URL('../../../../bin/txgate.js', import.meta.url).pathname
const SERVE = new URL('../../../../bin/serve.js', import.meta.url).pathname
const body = await fixture('stripe.json')
const run = promisify(execFile)

const children: GatewayProcess[] = []
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop('SIGKILL')
  for (const f of cleanups.splice(0)) await f()
})

async function setup(label: string, env: Record<string, string> = {}) {
  const dir = await tempDir(`consume-${label}`)
  const name = `txgate-test-${label}-${process.pid}-${Date.now()}`
  const conn = await amqp.connect(AMQP)
  const ch = await conn.createConfirmChannel()
  await ch.assertExchange(name, 'topic', { durable: true })
  await ch.assertQueue(name, { durable: true })
  await ch.bindQueue(name, name, 'payments.#')
  cleanups.push(async () => {
    await ch.deleteQueue(name)
    await ch.deleteExchange(name)
    await conn.close()
  })
  await writeFile(
    join(dir, 'sources.yaml'),
    `sources:
  partner-mq:
    kind: rabbitmq
    url: amqp://127.0.0.1:5672
    username_env: MQ_USER
    password_env: MQ_PASSWORD
    exchange: ${name}
    routing_keys: ["payments.#"]
    queue: ${name}
    prefetch: 20
    provider: stripe
`,
  )
  const childEnv = {
    TXGATE_SOURCES: join(dir, 'sources.yaml'),
    TXGATE_SPOOL_DIR: join(dir, 'spool'),
    TXGATE_BATCH_DIR: join(dir, 'batch'),
    TXGATE_BATCH_WORKERS: '0',
    STRIPE_WEBHOOK_SECRET: SECRET,
    MQ_USER: 'guest',
    MQ_PASSWORD: 'guest',
    LOG_LEVEL: 'warn',
    ...env,
  }
  const send = async (ids: string[]) => {
    for (const id of ids) {
      const m = signedStripe(body, id, SECRET, Date.now())
      ch.publish(name, 'payments.stripe', Buffer.from(m.payload), { headers: m.headers, contentType: 'application/json', persistent: true })
    }
    await ch.waitForConfirms()
  }
  /** Stripe event ids in the spool, one per published record, and the txgate event_ids each went out under. */
  const published = async () => {
    const ids: string[] = []
    const eventIds = new Map<string, Set<string>>()
    for await (const r of readSpool(join(dir, 'spool'), 'transactions.realtime')) {
      const v = r.value as unknown as { raw_payload: { id: string }; event_id: string }
      ids.push(v.raw_payload.id)
      eventIds.set(v.raw_payload.id, (eventIds.get(v.raw_payload.id) ?? new Set()).add(v.event_id))
    }
    return { ids, eventIds }
  }
  const spooled = async () => (await published()).ids
  const consume = async () => {
    const c = await startGateway([process.execPath, BIN, 'consume', 'partner-mq'], childEnv, { cwd: dir, ready: /consuming partner-mq/, timeoutMs: 60_000 })
    children.push(c)
    return c
  }
  const txgate = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...childEnv }, cwd: dir })
      return { code: 0, out: r.stdout, err: r.stderr }
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string }
      return { code: x.code, out: x.stdout, err: x.stderr }
    }
  }
  return { dir, name, ch, send, spooled, published, consume, txgate, childEnv }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `evt_${prefix}_${i}`)

describe('txgate consume and the gateway with a RabbitMQ source (real broker, real child processes)', () => {
  it('lists the source with its kind and position, and pull refuses it', async () => {
    const t = await setup('list')
    const list = await t.txgate('sources', '--json')
    expect(list.code).toBe(0)
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ name: 'partner-mq', kind: 'rabbitmq', schedule: 'consumed', position: `${t.name} [payments.#] → ${t.name}, prefetch 20` })])
    const pull = await t.txgate('pull', 'partner-mq')
    expect(pull.code).toBe(1)
    expect(pull.err).toMatch(/is a rabbitmq queue: it is consumed \(txgate consume partner-mq/)
    const wrong = await t.txgate('consume', 'nope')
    expect(wrong.code).toBe(2)
    expect(wrong.err).toMatch(/no source "nope" \(queue sources: partner-mq\)/)
  }, 60_000)

  it('SIGTERM: stops fetching, finishes and acks what is in flight, exits 0; published + still queued = sent, none twice', async () => {
    const t = await setup('sigterm')
    const sent = ids('sigterm', 400)
    await t.send(sent)
    const c = await t.consume()
    await until(async () => (await t.spooled()).length >= 20, 60_000)
    expect(await c.stop('SIGTERM')).toBe(0)
    const published = await t.spooled()
    const left = (await t.ch.checkQueue(t.name)).messageCount
    expect(new Set(published).size).toBe(published.length)
    expect(published.length + left).toBe(sent.length)
    const summary = JSON.parse(c.output().split('\n').find((l) => l.startsWith('{"source"')) ?? '{}') as Record<string, number>
    expect(summary).toMatchObject({ source: 'partner-mq', kind: 'rabbitmq', published: published.length, dlq: 0 })
    expect(c.output()).toMatch(/SIGTERM received, finishing in-flight messages of partner-mq/)
  }, 120_000)

  it('kill -9 mid-stream, then a restart: every message is published, and only the few in flight at the kill can be there twice', async () => {
    const prefix = uniquePrefix('consume-kill9')
    cleanups.push(() => deleteKeys(prefix))
    // A shared idempotency store (Redis), so the restarted consumer knows what the killed one published.
    const t = await setup('kill9', { REDIS_URL: 'redis://127.0.0.1:6379', TXGATE_REDIS_PREFIX: prefix, TXGATE_INFLIGHT_TTL: '2' })
    const sent = ids('kill9', 600)
    await t.send(sent)
    const first = await t.consume()
    await until(async () => (await t.spooled()).length >= 100, 60_000)
    await first.stop('SIGKILL')
    const atKill = (await t.spooled()).length
    expect(atKill).toBeLessThan(sent.length)
    const second = await t.consume()
    await until(async () => new Set(await t.spooled()).size === sent.length, 90_000)
    await until(async () => (await t.ch.checkQueue(t.name)).messageCount === 0, 30_000)
    expect(await second.stop('SIGTERM')).toBe(0)
    const published = await t.spooled()
    expect(new Set(published)).toEqual(new Set(sent))
    const twice = published.length - new Set(published).size
    // A message whose record was fsync'd but whose claim was not yet committed when the process
    // died is published again when redelivered (at least once); at most the prefetch were in flight,
    // and each copy carries the first one's event_id (the claim is taken over, keeping its id), so
    // a consumer deduping on event_id sees every message once.
    expect(twice).toBeLessThanOrEqual(20)
    const { eventIds } = await t.published()
    const underTwoIds = [...eventIds].filter(([, set]) => set.size !== 1).map(([id]) => id)
    expect(underTwoIds).toEqual([])
    const summary = JSON.parse(second.output().split('\n').find((l) => l.startsWith('{"source"')) ?? '{}') as Record<string, number>
    expect(summary['redelivered']).toBeGreaterThan(0)
    expect((summary['published'] ?? 0) + (summary['duplicates'] ?? 0)).toBeGreaterThanOrEqual(sent.length - atKill)
  }, 240_000)

  it('npm start consumes the sources.yaml queue source beside the HTTP server and stops it on SIGTERM', async () => {
    const t = await setup('gateway', { PORT: '0' })
    const g = await startGateway([process.execPath, SERVE], t.childEnv, { cwd: t.dir, timeoutMs: 60_000 })
    children.push(g)
    expect((await fetch(`${g.url}/health`)).status).toBe(200)
    const sent = ids('gateway', 50)
    await t.send(sent)
    await until(async () => (await t.spooled()).length === sent.length, 60_000)
    const metrics = await (await fetch(`${g.url}/metrics`)).text()
    expect(metrics).toMatch(/txgate_queue_published_total\{source="partner-mq"\} 50/)
    expect(metrics).toMatch(/txgate_queue_lag_messages\{source="partner-mq"\} 0/)
    expect(await g.stop('SIGTERM')).toBe(0)
    expect((await t.ch.checkQueue(t.name)).messageCount).toBe(0)
  }, 120_000)
})
