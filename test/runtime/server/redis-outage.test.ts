/**
 * Redis dies under load: the gateway keeps answering 200 (fail open), says so on the answers, and
 * every event it answered 200 is in its spool.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { readSpool } from '../../../src/runtime/server/spool.ts'
import { fixture } from '../../helpers/app.ts'
import { startGateway, type GatewayProcess } from '../../helpers/process.ts'
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.ts'
import { postStripeEvent } from '../../helpers/stripe-post.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const SECRET = 'whsec_redis_outage'
const body = await fixture('stripe.json')
let gateway: GatewayProcess | undefined
let redis: RedisServer | undefined

afterAll(async () => {
  await gateway?.stop('SIGKILL')
  await redis?.stop()
})

describe('Redis dies mid-load', () => {
  it('the gateway fails open without losing an acknowledged event', async () => {
    redis = await startRedisServer()
    const spool = await tempDir('outage')
    gateway = await startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
      PORT: '0',
      HOST: '127.0.0.1',
      TXGATE_SPOOL_DIR: spool,
      STRIPE_WEBHOOK_SECRET: SECRET,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
    })
    const g = gateway
    const send = async (n: number) => {
      const res = await postStripeEvent(g.url, body, `evt_outage_${n}`, SECRET)
      const text = await res.text()
      return { n, status: res.status, degraded: res.headers.get('txgate-degraded'), text }
    }

    // 8 senders, 300 events; Redis is killed once a third of them are answered.
    const answers: Awaited<ReturnType<typeof send>>[] = []
    let next = 0
    let killed: Promise<void> | undefined
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 300) {
          answers.push(await send(next++))
          if (answers.length === 100) killed = redis?.kill()
        }
      }),
    )
    await killed

    expect(answers.filter((a) => a.status !== 200)).toEqual([])
    const degraded = answers.filter((a) => a.degraded !== null)
    expect(degraded.length).toBeGreaterThan(0)
    expect(answers.filter((a) => a.degraded === null).length).toBeGreaterThanOrEqual(100)
    // Commands caught in flight by the kill time out; later ones find the connection down.
    expect(
      degraded.filter((a) => a.degraded !== 'store-down' && a.degraded !== 'store-timeout'),
    ).toEqual([])
    expect(degraded.some((a) => a.degraded === 'store-down')).toBe(true)
    expect(g.output()).toMatch(/store unavailable, failing open/)

    // The gateway's own count of fail-open decisions is the answers' count, reason by reason.
    const metrics = await (await fetch(`${g.url}/metrics`)).text()
    for (const reason of ['down', 'timeout']) {
      const counted = Number(new RegExp(`^txgate_store_fail_open_total\\{provider="stripe",reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0)
      expect(counted, `fail_open reason=${reason}`).toBe(degraded.filter((a) => a.degraded === `store-${reason}`).length)
    }
    console.info(
      `redis outage: ${answers.length} sent, ${answers.filter((a) => a.status === 200).length} answered 200 ` +
        `(${degraded.length} fail-open: ${degraded.filter((a) => a.degraded === 'store-down').length} store-down, ` +
        `${degraded.filter((a) => a.degraded === 'store-timeout').length} store-timeout; ${answers.length - degraded.length} guarded)`,
    )

    await g.stop('SIGKILL') // no graceful flush: what was answered 200 must already be on disk
    const acknowledged = answers.map((a) => (JSON.parse(a.text) as { event_id: string }).event_id)
    const stored = new Set<string>()
    for await (const r of readSpool(spool)) stored.add(r.headers['event_id'] ?? '')
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    expect(stored.size).toBe(300)
  })
})
