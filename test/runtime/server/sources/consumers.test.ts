import { describe, expect, it } from 'vitest'
import { parseSources, type QueueSourceConfig } from '../../../../src/sources/config.ts'
import { checkQueueSource, startQueueConsumers } from '../../../../src/runtime/server/sources/consumers.ts'
import { createTestGateway } from '../../../helpers/app.ts'

const source = (extra: string, provider = 'stripe', url = 'amqp://127.0.0.1:5672') =>
  parseSources(`sources:
  q:
    kind: rabbitmq
    url: ${url}
    exchange: x
    queue: q
    provider: ${provider}
${extra}`)[0] as QueueSourceConfig

describe('queue sources: what stops a start', () => {
  it('refuses an unknown provider, an unconfigured provider secret, and an unset HMAC key, naming the source', () => {
    const deps = createTestGateway({}).deps
    expect(() => checkQueueSource(source('', 'nope'), deps)).toThrow('source "q": no provider "nope"')
    expect(() => checkQueueSource(source(''), deps)).toThrow(/source "q": provider "stripe" has no secret configured/)
    expect(() => checkQueueSource(source('    verify: { type: hmac, header: x-sig, secret_env: Q_KEY }', 'generic'), deps)).toThrow('source "q": Q_KEY (verify.secret_env) is not set')
    expect(() => checkQueueSource(source('    tenant: acme'), createTestGateway({ STRIPE_WEBHOOK_SECRET: 'whsec_x' }).deps)).toThrow(/for tenant "acme"/)
  })

  it('accepts a configured provider, a set HMAC key, or a trusted broker', () => {
    expect(() => checkQueueSource(source(''), createTestGateway({ STRIPE_WEBHOOK_SECRET: 'whsec_x' }).deps)).not.toThrow()
    expect(() => checkQueueSource(source('    verify: { type: hmac, header: x-sig, secret_env: Q_KEY }', 'generic'), createTestGateway({ Q_KEY: 'k' }).deps)).not.toThrow()
    expect(() => checkQueueSource(source('    verify: { type: none }', 'generic'), createTestGateway({}).deps)).not.toThrow()
    expect(() => checkQueueSource(source('    tenant: acme'), createTestGateway({ STRIPE_WEBHOOK_SECRET__ACME: 'whsec_a' }).deps)).not.toThrow()
  })

  it('a broker that cannot be reached does not stop the start: it is retried in the background until close', async () => {
    const gw = createTestGateway({})
    // Port 1: nothing listens, the connection is refused at once.
    const running = await startQueueConsumers([source('    verify: { type: none }', 'generic', 'amqp://127.0.0.1:1')], gw.deps)
    expect(running.sources).toEqual(['q'])
    expect(gw.logs.some((l) => l['source'] === 'q' && typeof l['retry_in_ms'] === 'number')).toBe(true)
    await running.close()
  })
})
