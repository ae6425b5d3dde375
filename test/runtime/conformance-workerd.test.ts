/**
 * The conformance suite against the Worker in workerd, Cloudflare's runtime: the bundle `wrangler
 * deploy --dry-run` builds, served by the workerd binary wrangler ships, publishing through the
 * Kafka REST bridge (v3 records API, a local double). The limited gateway has no bridge (503).
 */
import { startKafkaRestDouble } from '../helpers/kafka-rest-double.ts'
import { testRuntime } from './runtime-suite.ts'

testRuntime('workerd', {
  durable: true,
  ready: { status: 503, store: 'memory-per-isolate', publisher: 'kafka-rest-v3', mentions: ['UPSTASH_REDIS_REST_URL'] },
  startupLog: [/publisher: kafka-rest-v3/, /not ready, set UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN \(/],
  setup: async () => {
    const bridge = await startKafkaRestDouble({
      topics: ['transactions.realtime', 'transactions.dlq'],
      credentials: { username: 'edge', password: 'edge-secret' },
    })
    return {
      main: {
        KAFKA_REST_URL: bridge.url,
        KAFKA_REST_CLUSTER_ID: bridge.clusterId,
        KAFKA_REST_USERNAME: 'edge',
        KAFKA_REST_PASSWORD: 'edge-secret',
      },
      limited: {},
      delivered: () => bridge.records().map((r) => r.headers['event_id'] ?? ''),
      teardown: () => bridge.close(),
    }
  },
})
