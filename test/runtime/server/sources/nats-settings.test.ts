import { describe, expect, it } from 'vitest'
import { natsSettings } from '../../../../src/runtime/server/sources/nats.ts'
import { NatsSchema } from '../../../../src/sources/kinds/nats.ts'
import { isQueueSource, parseSources } from '../../../../src/sources/config.ts'

const parse = (extra: Record<string, unknown> = {}) => NatsSchema.parse({ kind: 'nats', provider: 'stripe', stream: 'PAYMENTS', ...extra })

describe('nats source settings', () => {
  it('defaults: local server, durable txgate-<source>, batch 100, ack wait 30 s, no auth', () => {
    expect(natsSettings({ ...parse(), name: 'psp' }, {})).toEqual({
      servers: 'nats://127.0.0.1:4222',
      stream: 'PAYMENTS',
      durable: 'txgate-psp',
      batch: 100,
      ackWaitMs: 30_000,
      auth: {},
      backoff: { baseMs: 200, maxMs: 30_000 },
    })
  })

  it('reads the password and token from the variables it names, and refuses a start when one is not set', () => {
    const cfg = { ...parse({ user: 'txgate', password_env: 'NATS_PASSWORD', servers: ['n1:4222', 'nats://n2:4222'], max_deliver: 5 }), name: 'psp' }
    expect(natsSettings(cfg, { NATS_PASSWORD: 's3cret' })).toMatchObject({ servers: ['n1:4222', 'nats://n2:4222'], auth: { user: 'txgate', pass: 's3cret' }, maxDeliver: 5 })
    expect(() => natsSettings(cfg, {})).toThrow('source "psp": NATS_PASSWORD is not set')
  })

  it('refuses a secret written into the file, an unknown field and a wildcard stream name', () => {
    expect(NatsSchema.safeParse({ kind: 'nats', provider: 'stripe', stream: 'P', password: 'x' }).success).toBe(false)
    expect(NatsSchema.safeParse({ kind: 'nats', provider: 'stripe', stream: 'payments.>' }).success).toBe(false)
    expect(NatsSchema.safeParse({ kind: 'nats', provider: 'stripe', stream: 'P', batch: 0 }).success).toBe(false)
  })

  it('is a consumed kind in sources.yaml, and a bad field is reported at its line', () => {
    const [src] = parseSources('sources:\n  psp:\n    kind: nats\n    stream: PAYMENTS\n    provider: stripe\n')
    expect(src && isQueueSource(src)).toBe(true)
    expect(() => parseSources('sources:\n  psp:\n    kind: nats\n    provider: stripe\n    stream: PAYMENTS\n    ack_wait_s: 0\n')).toThrow(
      /sources\.yaml:6: source "psp", field ack_wait_s/,
    )
  })
})
