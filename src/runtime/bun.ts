/** @module Bun entry: the same server deps as Node (spool, in-process store), served by Bun.serve. */
import { createApp } from '../app.ts'
import { startupLines } from '../pipeline/provider-status.ts'
import { buildServerDeps } from './server/deps.ts'

// The slice of Bun's API this file uses (https://bun.sh/docs/api/http), instead of bun-types.
type BunServer = {
  port: number
  hostname: string
  stop(closeActiveConnections?: boolean): Promise<void>
  requestIP(req: Request): { address: string } | null
}
type BunRuntime = {
  serve(options: {
    port: number
    hostname?: string
    fetch(req: Request, server: BunServer): Response | Promise<Response>
  }): BunServer
}
const { Bun } = globalThis as unknown as { Bun: BunRuntime }

const deps = await buildServerDeps(process.env)
// The socket peer of each request, for security log lines and the admin routes' loopback check.
const peers = new WeakMap<Request, string>()
const app = createApp({ ...deps, clientIp: (c) => peers.get(c.req.raw) })
const server = Bun.serve({
  port: deps.config.port,
  hostname: process.env['HOST'] ?? '0.0.0.0',
  // Bun passes the server as a second argument: read the peer from it, never hand it to Hono as env.
  fetch: (req, srv) => {
    const peer = srv.requestIP(req)?.address
    if (peer) peers.set(req, peer)
    return app.fetch(req)
  },
})
for (const line of startupLines(deps)) console.log(`txgate: ${line}`)
console.log(`txgate listening on http://${displayHost(server.hostname)}:${server.port}`)

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`txgate: ${signal} received, draining in-flight requests`)
  // stop() without `true` stops accepting and resolves once in-flight requests are answered.
  await server.stop()
  await deps.close()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

function displayHost(hostname: string): string {
  return hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname
}
