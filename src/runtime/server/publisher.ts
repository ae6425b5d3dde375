/** @module Server publisher: kafkajs (KAFKA_BROKERS) or the REST bridge (KAFKA_REST_URL) backed by the spool, else the spool alone. */
import type { Config, Settings } from '../../config.ts'
import type { Logger } from '../../observability/log.ts'
import { createBreaker } from '../../publish/breaker.ts'
import { createDurablePublisher } from '../../publish/durable.ts'
import { createKafkaRestPublisher } from '../../publish/kafka-rest.ts'
import type { Publisher } from '../../publish/types.ts'
import { openKafkajsPublisher } from './kafkajs-publisher.ts'
import type { Spool } from './spool.ts'
import { createSpoolBacklog, createSpoolPublisher } from './spool-publisher.ts'

/** The Kafka publisher the settings name, or undefined when they name none. */
export async function openKafkaPublisher(
  config: Config,
  settings: Settings,
  log: Logger,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<Publisher | undefined> {
  const { transport: t, timeoutMs, lingerMs } = config.publish
  if (t.kind === 'kafkajs') {
    const password = settings['KAFKA_SASL_PASSWORD'] ?? ''
    return openKafkajsPublisher({
      brokers: t.brokers,
      clientId: t.clientId,
      ssl: t.ssl,
      ...(t.sasl ? { sasl: { ...t.sasl, password } } : {}),
      timeoutMs,
      lingerMs,
      log,
    })
  }
  if (t.kind === 'rest') {
    return createKafkaRestPublisher({
      url: t.url,
      api: t.api,
      ...(t.clusterId ? { clusterId: t.clusterId } : {}),
      ...(t.username
        ? { username: t.username, password: settings['KAFKA_REST_PASSWORD'] ?? '' }
        : {}),
      timeoutMs,
      lingerMs,
      fetch: fetchFn,
      log,
    })
  }
  return undefined
}

/** Kafka first with the spool behind it (breaker, time bound, replay), or the spool as the sink. */
export async function openServerPublisher(
  config: Config,
  settings: Settings,
  spool: Spool,
  log: Logger,
  clock: () => number,
): Promise<Publisher> {
  const primary = await openKafkaPublisher(config, settings, log)
  if (!primary) return createSpoolPublisher(spool, config.spoolDir)
  const { breaker, timeoutMs, replayBatch } = config.publish
  log.info('publishing to Kafka; the spool takes over while Kafka is unavailable', {
    publisher: primary.kind,
    spool: config.spoolDir,
  })
  return createDurablePublisher({
    primary,
    backlog: createSpoolBacklog(spool),
    breaker: createBreaker({
      clock,
      failureThreshold: breaker.failures,
      cooldownMs: breaker.cooldownMs,
      onChange: (from, to) => log.warn('Kafka circuit breaker changed state', { from, to }),
    }),
    log,
    timeoutMs,
    replayBatch,
  })
}
