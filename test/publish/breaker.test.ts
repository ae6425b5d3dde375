import { describe, expect, it } from 'vitest'
import { createBreaker } from '../../src/publish/breaker.ts'
import { createClock } from '../helpers/fakes.ts'

const setup = () => {
  const clock = createClock()
  const changes: string[] = []
  const breaker = createBreaker({
    clock,
    failureThreshold: 3,
    cooldownMs: 1000,
    onChange: (from, to) => changes.push(`${from}->${to}`),
  })
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) breaker.acquire()?.failure()
  }
  return { clock, breaker, changes, fail }
}

describe('publish: circuit breaker', () => {
  it('opens after the configured number of consecutive failures and refuses calls', () => {
    const { breaker, fail, changes } = setup()
    fail(2)
    expect(breaker.state()).toBe('closed')
    fail(1)
    expect(breaker.state()).toBe('open')
    expect(breaker.acquire()).toBeUndefined()
    expect(breaker.retryInMs()).toBe(1000)
    expect(changes).toEqual(['closed->open'])
  })

  it('counts only consecutive failures: a success in between starts the count again', () => {
    const { breaker, fail } = setup()
    fail(2)
    breaker.acquire()?.success()
    fail(2)
    expect(breaker.state()).toBe('closed')
  })

  it('lets exactly one probe through after the cooldown, and closes when it succeeds', () => {
    const { breaker, fail, clock, changes } = setup()
    fail(3)
    clock.now += 1000
    expect(breaker.state()).toBe('half-open')
    const probe = breaker.acquire()
    expect(probe).toBeDefined()
    expect(breaker.acquire()).toBeUndefined() // a second caller while the probe is out
    probe?.success()
    expect(breaker.state()).toBe('closed')
    expect(breaker.acquire()).toBeDefined()
    expect(changes).toEqual(['closed->open', 'half-open->closed'])
  })

  it('opens again for a full cooldown when the probe fails', () => {
    const { breaker, fail, clock } = setup()
    fail(3)
    clock.now += 1500
    breaker.acquire()?.failure()
    expect(breaker.state()).toBe('open')
    expect(breaker.retryInMs()).toBe(1000)
  })

  it('frees the probe slot when the probe is released unused', () => {
    const { breaker, fail, clock } = setup()
    fail(3)
    clock.now += 1000
    breaker.acquire()?.release()
    expect(breaker.state()).toBe('half-open')
    expect(breaker.acquire()).toBeDefined()
  })

  it('ignores the late failures of calls that started before the breaker closed again', () => {
    const { breaker, fail, clock } = setup()
    const slow = [breaker.acquire(), breaker.acquire(), breaker.acquire()]
    fail(3)
    clock.now += 1000
    breaker.acquire()?.success()
    expect(breaker.state()).toBe('closed')
    for (const p of slow) p?.failure() // they began while Kafka was down: old news
    expect(breaker.state()).toBe('closed')
  })

  it('reports its state for /ready', () => {
    const { breaker, fail, clock } = setup()
    fail(3)
    clock.now += 400
    expect(breaker.snapshot()).toEqual({ state: 'open', consecutive_failures: 3, retry_in_ms: 600 })
  })
})
