import { request } from 'node:http'
import Stripe from 'stripe'
import { afterEach, describe, expect, it } from 'vitest'
import { readSpool } from '../../src/runtime/server/spool.ts'
import { fixture } from '../helpers/app.ts'
import { startGateway, type GatewayProcess } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const SECRET = 'whsec_node_entry'
const body = await fixture('stripe.json')
let gateway: GatewayProcess | undefined

afterEach(async () => {
  await gateway?.stop('SIGKILL')
  gateway = undefined
})

const start = async (spool: string) =>
  (gateway = await startGateway([process.execPath, 'bin/serve.js'], {
    PORT: '0',
    HOST: '127.0.0.1',
    TXGATE_SPOOL_DIR: spool,
    STRIPE_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'warn',
  }))

describe('runtime: node entry', () => {
  it('prints one line per provider and the embedded defaults, and serves /health', async () => {
    const g = await start(await tempDir('node'))
    expect(g.output()).toMatch(/provider stripe: configured/)
    expect(g.output()).toMatch(/store: memory \(in-process/)
    expect(g.output()).toMatch(/publisher: spool/)
    expect(await (await fetch(`${g.url}/health`)).json()).toEqual({ status: 'healthy' })
  })

  it('answers 200 only once the message is in the spool on disk', async () => {
    const spool = await tempDir('node')
    const g = await start(spool)
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET })
    const res = await fetch(`${g.url}/webhooks/v1/stripe/events`, {
      method: 'POST',
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
      body,
    })
    expect(res.status).toBe(200)
    const { event_id } = (await res.json()) as { event_id: string }
    await g.stop('SIGKILL') // no graceful flush: what was answered must already be on disk
    const records = []
    for await (const r of readSpool(spool)) records.push(r)
    expect(records.map((r) => r.headers.event_id)).toEqual([event_id])
  })

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const g = await start(await tempDir('node'))
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET })
    const { hostname, port } = new URL(g.url)
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(
        { hostname, port, path: '/webhooks/v1/stripe/events', method: 'POST', headers: { 'stripe-signature': header } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 100)) // the request is in flight when the signal comes
      setTimeout(() => {
        g.child.kill('SIGTERM')
        setTimeout(() => req.end(body.slice(100)), 300)
      }, 200)
    })
    expect(await answer).toBe(200)
    expect(await g.stop()).toBe(0)
  })
})
