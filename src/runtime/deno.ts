/** @module Deno entry: the same server deps as Node (spool, in-process store), served by Deno.serve. */
import { createApp } from '../app.ts'
import { startupLines } from '../pipeline/provider-status.ts'
import { buildServerDeps } from './server/deps.ts'

// The slice of Deno's API this file uses (https://docs.deno.com/api/deno/), instead of a type package.
type DenoServer = { finished: Promise<void>; shutdown(): Promise<void> }
type DenoRuntime = {
  env: { toObject(): Record<string, string> }
  serve(
    options: { port: number; hostname?: string; onListen?(addr: { hostname: string; port: number }): void },
    handler: (req: Request, info: { remoteAddr?: { hostname?: string } }) => Response | Promise<Response>,
  ): DenoServer
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
  exit(code: number): never
}
const { Deno } = globalThis as unknown as { Deno: DenoRuntime }

const env = Deno.env.toObject()
const deps = await buildServerDeps(env)
// The socket peer of each request, for security log lines and the admin routes' loopback check.
const peers = new WeakMap<Request, string>()
const app = createApp({ ...deps, clientIp: (c) => peers.get(c.req.raw) })
const server = Deno.serve(
  {
    port: deps.config.port,
    hostname: env['HOST'] ?? '0.0.0.0',
    onListen({ hostname, port }) {
      for (const line of startupLines(deps)) console.log(`txgate: ${line}`)
      console.log(`txgate listening on http://${displayHost(hostname)}:${port}`)
    },
  },
  // Deno passes connection info as a second argument: read the peer from it, never hand it to Hono as env.
  (req, info) => {
    const peer = info.remoteAddr?.hostname
    if (peer) peers.set(req, peer)
    return app.fetch(req)
  },
)

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`txgate: ${signal} received, draining in-flight requests`)
  // shutdown() stops accepting and resolves once in-flight requests are answered.
  await server.shutdown()
  await deps.close()
  Deno.exit(0)
}
Deno.addSignalListener('SIGTERM', () => void shutdown('SIGTERM'))
Deno.addSignalListener('SIGINT', () => void shutdown('SIGINT'))

function displayHost(hostname: string): string {
  return hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname
}
