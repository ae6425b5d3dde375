import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('config: shared state (Redis / Upstash) and fail-closed providers', () => {
  it('serves from memory when no Redis is configured', () => {
    expect(loadConfig({}).store).toEqual({
      backend: 'memory',
      timeoutMs: undefined,
      prefix: 'txgate:',
    })
  })

  it('prefers REDIS_URL (TCP) over Upstash REST when both are set', () => {
    const c = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
      TXGATE_REDIS_TIMEOUT_MS: '80',
      TXGATE_REDIS_PREFIX: 'gw1:',
    })
    expect(c.store).toEqual({ backend: 'redis', timeoutMs: 80, prefix: 'gw1:' })
  })

  it('uses Upstash with the names Upstash users already have, and refuses a URL without its token', () => {
    const settings = { UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io' }
    expect(() => loadConfig(settings)).toThrow(ConfigError)
    expect(loadConfig({ ...settings, UPSTASH_REDIS_REST_TOKEN: 't' }).store.backend).toBe('upstash')
  })

  it('refuses a REDIS_URL that is not redis:// or rediss://, without echoing it', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@cache:6379' })).toThrow(/REDIS_URL/)
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@cache:6379' })).not.toThrow(/hunter2/)
  })

  it('fails closed only for the providers TXGATE_FAIL_CLOSED lists, or for all with *', () => {
    const c = loadConfig({ TXGATE_FAIL_CLOSED: 'stripe, adyen' })
    expect([c.failClosed('stripe'), c.failClosed('adyen'), c.failClosed('generic')]).toEqual([
      true,
      true,
      false,
    ])
    expect(loadConfig({ TXGATE_FAIL_CLOSED: '*' }).failClosed('generic')).toBe(true)
    expect(loadConfig({}).failClosed('stripe')).toBe(false)
  })
})
