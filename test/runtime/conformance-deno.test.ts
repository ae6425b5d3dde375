/** The conformance suite against `npm run start:deno` (Deno.serve, the same server deps) as a real process. */
import { testRuntime } from './runtime-suite.ts'

testRuntime('deno', {
  durable: true,
  ready: { status: 200, store: 'memory', publisher: 'spool' },
  startupLog: [/store: memory \(in-process/, /publisher: spool/],
})
