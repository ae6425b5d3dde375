/**
 * @module The Worker's Kafka REST bridge: one client and publisher per isolate, kept at module
 * scope by configuration, so every request and every queue batch of an isolate shares them.
 */
import { ConfigError, type Settings } from '../../config.ts'
import type { Logger } from '../../observability/log.ts'
import { loadPublishConfig } from '../../publish/config.ts'
import {
  createKafkaRestClient,
  restPublisher,
  type KafkaRestClient,
  type KafkaRestOptions,
} from '../../publish/kafka-rest.ts'
import type { Publisher } from '../../publish/types.ts'

export type EdgeRest = { client: KafkaRestClient; publisher: Publisher }

const built = new Map<string, EdgeRest>()
let created = 0

/** How many REST publishers this isolate has built: one per distinct bridge configuration. */
export const restPublishersCreated = (): number => created

/** The bridge when KAFKA_REST_URL is set (the edge has no disk to spool to), else undefined. */
export function edgeRest(settings: Settings, log: Logger): EdgeRest | undefined {
  const fail = (msg: string): never => {
    throw new ConfigError(`invalid configuration: ${msg}`)
  }
  const { transport, timeoutMs } = loadPublishConfig(settings, fail)
  if (transport.kind === 'kafkajs') fail('KAFKA_BROKERS needs TCP, which Workers do not offer: set KAFKA_REST_URL')
  if (transport.kind !== 'rest') return undefined
  const password = settings['KAFKA_REST_PASSWORD']
  const opts: Omit<KafkaRestOptions, 'fetch' | 'log'> = {
    url: transport.url,
    api: transport.api,
    ...(transport.clusterId !== undefined && { clusterId: transport.clusterId }),
    ...(transport.username !== undefined && { username: transport.username }),
    ...(password !== undefined && { password }),
    timeoutMs,
  }
  const key = JSON.stringify(opts)
  const known = built.get(key)
  if (known) return known
  const client = createKafkaRestClient({ ...opts, fetch: (input, init) => fetch(input, init), log })
  // workerd cancels a request whose promise another request's I/O settles ("code had hung"), so
  // concurrent requests must not share a produce call: no linger batching, one call per publish.
  const rest = { client, publisher: restPublisher(client, { batching: false }) }
  built.set(key, rest)
  created += 1
  return rest
}
