import { describe, expect, it } from 'vitest'
import { isQueueSource, parseSources, SourcesConfigError } from '../../../src/sources/config.ts'

const YAML = `sources:
  acme-rabbit:
    kind: rabbitmq
    url: amqp://mq.acme.example:5672/payments
    username_env: ACME_MQ_USER
    password_env: ACME_MQ_PASSWORD
    exchange: payments
    routing_keys: [payments.stripe.#]
    queue: txgate.acme
    provider: stripe
  partner-kafka:
    kind: kafka
    brokers: [kafka-1.partner.example:9093, kafka-2.partner.example:9093]
    group_id: txgate-acme
    topics: [settled-payments]
    tls: true
    sasl: { mechanism: scram-sha-512, username_env: PARTNER_KAFKA_USER, password_env: PARTNER_KAFKA_PASSWORD }
    provider: generic
    tenant: acme
    verify: { type: hmac, header: x-signature, secret_env: PARTNER_HMAC }
`

describe('queue kinds in sources.yaml', () => {
  it('reads a RabbitMQ and a Kafka source with their defaults', () => {
    const [rabbit, kafka] = parseSources(YAML)
    expect(rabbit).toMatchObject({ name: 'acme-rabbit', kind: 'rabbitmq', prefetch: 100, exchange_type: 'topic', declare_exchange: true, verify: { type: 'provider' } })
    expect(kafka).toMatchObject({
      name: 'partner-kafka', kind: 'kafka', max_in_flight: 100, max_bytes: 10 * 1024 * 1024, from_beginning: false,
      verify: { type: 'hmac', header: 'x-signature', secret_env: 'PARTNER_HMAC', hash: 'sha256', encoding: 'hex' },
    })
    expect([rabbit, kafka].every((s) => s && isQueueSource(s))).toBe(true)
  })

  it('names the line and field of each mistake', () => {
    const bad = YAML.replace('queue: txgate.acme', 'queue: txgate.acme\n    prefetch: 0')
      .replace('url: amqp://mq.acme.example:5672/payments', 'url: amqp://u:secret@mq.acme.example/payments')
      .replace('kafka-2.partner.example:9093', 'kafka-2.partner.example')
      .replace('mechanism: scram-sha-512', 'mechanism: gssapi')
    const err = (() => {
      try {
        parseSources(bad)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(SourcesConfigError)
    const lines = (err as Error).message.split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sources\.yaml:4: source "acme-rabbit", field url: put the password in password_env/),
        expect.stringMatching(/^sources\.yaml:10: source "acme-rabbit", field prefetch: /),
        expect.stringMatching(/^sources\.yaml:14: source "partner-kafka", field brokers\.1: host:port/),
        expect.stringMatching(/^sources\.yaml:18: source "partner-kafka", field sasl\.mechanism: /),
      ]),
    )
  })

  it('wants exactly one of url and url_env for RabbitMQ', () => {
    const both = YAML.replace('    username_env: ACME_MQ_USER\n', '    url_env: ACME_AMQP_URL\n')
    expect(() => parseSources(both)).toThrow(/sources\.yaml:4: source "acme-rabbit", field url: set url or url_env/)
  })
})
