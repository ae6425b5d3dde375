/**
 * The ceiling for bench/load.ts: a bare Hono app on the same runtime and server adapter as the
 * gateway, reading the body and answering the same JSON, with none of txgate's work.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.post('/webhooks/v1/:provider/events', async (c) => {
  await c.req.arrayBuffer()
  return c.json({ event_id: '01890a5d-ac96-774b-bcce-b302099a8057', duplicate: false })
})
serve(
  {
    fetch: app.fetch,
    port: Number(process.env['PORT'] ?? 0),
    hostname: process.env['HOST'] ?? '127.0.0.1',
  },
  (info) => {
    console.log(`bare hono listening on http://${info.address}:${info.port}`)
  },
)
process.on('SIGTERM', () => process.exit(0))
