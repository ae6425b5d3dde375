/** @module Node entry: build server deps, serve app.fetch, drain in-flight requests on shutdown. */
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Server } from 'node:http'
import { createApp } from '../app.ts'
import { startupLines } from '../pipeline/provider-status.ts'
import { buildServerDeps } from './server/deps.ts'
import { httpTimeouts } from './server/http-timeouts.ts'
import { batchedLineSink } from './server/line-sink.ts'
import { startSources } from './server/sources/attach.ts'

const deps = await buildServerDeps(process.env, batchedLineSink(process.stdout))
const sources = await startSources(process.env, deps)
// The socket's peer address for security log lines (X-Forwarded-For is logged apart, unverified).
const app = createApp({ ...deps, ...(sources.events ? { sourceEvents: sources.events } : {}), ...(sources.states ? { sourceStates: sources.states } : {}), clientIp: (c) => getConnInfo(c).remote.address })
const server = serve({
  fetch: app.fetch,
  port: deps.config.port,
  hostname: process.env['HOST'],
  serverOptions: httpTimeouts(process.env),
}, (info) => {
  for (const line of startupLines(deps)) console.log(`txgate: ${line}`)
  console.log(`txgate listening on http://${info.address === '::' ? 'localhost' : info.address}:${info.port}`)
}) as Server

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`txgate: ${signal} received, draining in-flight requests`)
  // close() stops accepting and resolves once every in-flight request has been answered.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Keep-alive connections go idle once their answer is sent: close them as they do.
  const idle = setInterval(() => server.closeIdleConnections(), 50)
  server.closeIdleConnections()
  const deadline = setTimeout(() => server.closeAllConnections(), 10_000)
  await closed
  clearInterval(idle)
  clearTimeout(deadline)
  await sources.close()
  await deps.close()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
