/** Two Node gateway processes sharing one Redis publish a burst of copies of one event exactly once. */
import Stripe from 'stripe'
import { afterAll, describe, expect, it } from 'vitest'
import { readSpool } from '../../../src/runtime/server/spool.ts'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { fixture } from '../../helpers/app.ts'
import { startGateway, type GatewayProcess } from '../../helpers/process.ts'
import { deleteKeys, uniquePrefix } from '../../helpers/redis-server.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const SECRET = 'whsec_two_gateways'
const body = await fixture('stripe.json')
const prefix = uniquePrefix('two-gateways')
const gateways: GatewayProcess[] = []

afterAll(async () => {
  for (const g of gateways) await g.stop('SIGKILL')
  await deleteKeys(prefix)
})

async function start(spool: string): Promise<GatewayProcess> {
  const g = await startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
    PORT: '0',
    HOST: '127.0.0.1',
    TXGATE_SPOOL_DIR: spool,
    STRIPE_WEBHOOK_SECRET: SECRET,
    REDIS_URL: 'redis://127.0.0.1:6379',
    TXGATE_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  })
  gateways.push(g)
  return g
}

async function spooled(dir: string): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = []
  for await (const r of readSpool(dir)) out.push(r)
  return out
}

describe('two gateway processes sharing Redis', () => {
  it('publish 50 concurrent copies of one event exactly once, answering each 200 or 409 with one event_id', async () => {
    const spools = [
      await tempDir('a'),
      await tempDir('b'),
    ]
    const [a, b] = [await start(spools[0] ?? ''), await start(spools[1] ?? '')]
    expect(a.output()).toMatch(/store: redis \(shared across instances\)/)
    const headers = {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: SECRET,
      }),
    }
    const post = (g: GatewayProcess) =>
      fetch(`${g.url}/webhooks/v1/stripe/events`, { method: 'POST', headers, body })

    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await post(i % 2 ? b : a)
        const degraded = res.headers.get('txgate-degraded')
        return {
          status: res.status,
          id: res.headers.get('txgate-event-id'),
          degraded,
          body: await res.text(),
        }
      }),
    )
    expect(answers.filter((r) => r.status !== 200 && r.status !== 409)).toEqual([])
    // Redis answered every request in time (a copy that failed open would be published again).
    expect(answers.filter((r) => r.degraded !== null)).toEqual([])
    const ids = new Set(answers.map((r) => r.id))
    expect(ids.size).toBe(1)
    const [eventId] = ids
    const ok = answers
      .filter((r) => r.status === 200)
      .map((r) => JSON.parse(r.body) as { duplicate: boolean })
    expect(ok.filter((r) => !r.duplicate)).toHaveLength(1)

    // The copies answered 409 come back later, as providers retry: duplicates of the same event.
    for (const g of [a, b]) {
      const retry = await post(g)
      expect(retry.status).toBe(200)
      expect(await retry.json()).toEqual({ event_id: eventId, duplicate: true })
    }

    await a.stop()
    await b.stop()
    const records = [...(await spooled(spools[0] ?? '')), ...(await spooled(spools[1] ?? ''))]
    expect(records.map((r) => r.headers['event_id'])).toEqual([eventId])
  })
})
