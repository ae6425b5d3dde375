/**
 * The "official SDK handler" baseline for bench/load.ts (issue 17): what a user would write in an
 * afternoon with the same durability promise as txgate's 200 — Stripe's SDK verifies
 * (`webhooks.constructEventAsync`), ioredis claims the event (`SET NX EX`) and counts the client
 * (`INCR` + `EXPIRE`), and each accepted event is appended to a file and fdatasync'd before 200.
 * Stripe events only (`--providers stripe`); REDIS_URL (default the local Redis).
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { Redis } from 'ioredis'
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import Stripe from 'stripe'

const secret = process.env['STRIPE_WEBHOOK_SECRET'] ?? ''
const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379')
const prefix = `sdk-bench:${process.pid}:`
const dir = process.env['TXGATE_SPOOL_DIR'] ?? '/tmp/sdk-handler'
await mkdir(dir, { recursive: true })
const log = await open(join(dir, 'events.ndjson'), 'a')
const stripe = new Stripe('sk_test_unused')

const app = new Hono()
app.post('/webhooks/v1/stripe/events', async (c) => {
  const body = await c.req.text()
  let event: Stripe.Event
  try {
    event = await stripe.webhooks.constructEventAsync(body, c.req.header('stripe-signature') ?? '', secret)
  } catch {
    return c.json({ error: 'bad signature' }, 401)
  }
  const client = c.req.header('x-forwarded-for') ?? 'local'
  const hits = await redis.incr(`${prefix}rl:${client}`)
  if (hits === 1) await redis.expire(`${prefix}rl:${client}`, 1)
  const claimed = await redis.set(`${prefix}idem:${event.id}`, '1', 'EX', 86_400, 'NX')
  if (claimed === null) return c.json({ event_id: event.id, duplicate: true })
  await log.appendFile(JSON.stringify({ id: event.id, type: event.type, body }) + '\n')
  await log.datasync()
  return c.json({ event_id: event.id, duplicate: false })
})
serve({ fetch: app.fetch, port: Number(process.env['PORT'] ?? 0), hostname: process.env['HOST'] ?? '127.0.0.1' }, (info) => {
  console.log(`sdk handler listening on http://${info.address}:${info.port}`)
})
process.on('SIGTERM', () => {
  redis.disconnect()
  process.exit(0)
})
