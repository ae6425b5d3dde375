/** The conformance suite against `npm start` (Node, @hono/node-server) as a real process. */
import { testRuntime } from './runtime-suite.ts'

testRuntime('node', {
  durable: true,
  ready: { status: 200, store: 'memory', publisher: 'spool' },
  startupLog: [/store: memory \(in-process/, /publisher: spool/],
})
