/**
 * The conformance suite against the Worker in workerd with no edge dependencies configured: it must
 * still start, name what is missing in /ready and its log, and refuse (503) every event it could
 * not keep, never answer 200 for it.
 */
import { testRuntime } from './runtime-suite.ts'

testRuntime('workerd', {
  durable: false,
  ready: {
    status: 503,
    store: 'memory-per-isolate',
    publisher: 'none',
    mentions: ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'KAFKA_REST_URL', 'per isolate'],
  },
  startupLog: [/store: memory-per-isolate/, /not ready, set UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, KAFKA_REST_URL/],
})
