import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('publish: configuration', () => {
  it('uses the spool alone when no Kafka is named, with a 5 s publish bound and a 5-failure breaker', () => {
    const { publish } = loadConfig({ KAFKA_BROKERS: '', KAFKA_REST_URL: '' })
    expect(publish).toEqual({
      transport: { kind: 'none' },
      timeoutMs: 5000,
      lingerMs: 2,
      breaker: { failures: 5, cooldownMs: 5000 },
      replayBatch: 500,
    })
  })

  it('reads brokers, TLS and SASL for hosted Kafka, without copying the password into Config', () => {
    const { publish } = loadConfig({
      KAFKA_BROKERS: 'b1:9092, b2:9092',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 's3cret',
    })
    expect(publish.transport).toEqual({
      kind: 'kafkajs',
      brokers: ['b1:9092', 'b2:9092'],
      clientId: 'txgate',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'svc' },
    })
    expect(JSON.stringify(publish)).not.toContain('s3cret')
  })

  it('refuses SASL without its credentials, a v3 bridge without a cluster id, and both transports at once', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'b:9092', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      ConfigError,
    )
    expect(() => loadConfig({ KAFKA_REST_URL: 'https://rest.example' })).toThrow(
      /KAFKA_REST_CLUSTER_ID/,
    )
    expect(() =>
      loadConfig({ KAFKA_BROKERS: 'b:9092', KAFKA_REST_URL: 'https://rest.example' }),
    ).toThrow(/not both/)
    expect(() => loadConfig({ KAFKA_REST_URL: 'ftp://rest.example' })).toThrow(ConfigError)
  })

  it('selects the v2 API for bridges that speak only v2 (no cluster id needed)', () => {
    const { publish } = loadConfig({
      KAFKA_REST_URL: 'http://bridge:8080',
      KAFKA_REST_API: 'v2',
      TXGATE_PUBLISH_TIMEOUT_MS: '1500',
    })
    expect(publish.transport).toEqual({ kind: 'rest', url: 'http://bridge:8080', api: 'v2' })
    expect(publish.timeoutMs).toBe(1500)
  })
})
