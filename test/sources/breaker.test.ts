import { describe, expect, it } from 'vitest'
import { admit, afterRun, BreakerSchema, shownState, sourceFingerprint, type SourceHealth } from '../../src/sources/breaker.ts'
import { parseSources } from '../../src/sources/config.ts'

const T0 = Date.parse('2026-12-07T12:00:00Z')
const settings = BreakerSchema.parse({ failures: 3, cooldown: '10m' })
const fail = { kind: 'failed', error: 'page failed 5 times, last: HTTP 500' } as const

describe('sources: the per-source circuit breaker', () => {
  it('opens after N consecutive failed runs, skips until the cool-down, then lets one half-open trial through', () => {
    let h: SourceHealth | undefined
    for (let i = 0; i < 2; i++) h = afterRun(h, fail, T0, settings, 'c', false)
    expect(h).toMatchObject({ state: 'closed', failures: 2 })
    expect(admit(h, T0, 'c')).toEqual({ run: true, trial: false })
    h = afterRun(h, fail, T0, settings, 'c', false)
    expect(h).toMatchObject({ state: 'open', failures: 3, retryAt: '2026-12-07T12:10:00.000Z', lastError: fail.error })
    expect(admit(h, T0 + 9 * 60_000, 'c')).toMatchObject({ run: false, reason: expect.stringMatching(/circuit open after 3 failed runs, next trial at 2026-12-07T12:10/) })
    expect(shownState(h, T0 + 9 * 60_000)).toBe('open')
    expect(shownState(h, T0 + 10 * 60_000)).toBe('half_open')
    expect(admit(h, T0 + 10 * 60_000, 'c')).toEqual({ run: true, trial: true })
    // A failed trial opens it again for a full cool-down from the trial.
    const reopened = afterRun(h, fail, T0 + 10 * 60_000, settings, 'c', true)
    expect(reopened).toMatchObject({ state: 'open', failures: 4, retryAt: '2026-12-07T12:20:00.000Z', since: h?.since })
    // A good trial closes it and forgets the count.
    expect(afterRun(reopened, { kind: 'ok' }, T0 + 20 * 60_000, settings, 'c', true)).toMatchObject({ state: 'closed', failures: 0 })
  })

  it('a success between failures resets the count; locked runs count for nothing', () => {
    let h = afterRun(undefined, fail, T0, settings, 'c', false)
    h = afterRun(h, fail, T0, settings, 'c', false)
    expect(afterRun(h, { kind: 'neutral' }, T0, settings, 'c', false)).toBeUndefined()
    h = afterRun(h, { kind: 'ok' }, T0, settings, 'c', false)
    h = afterRun(h, fail, T0, settings, 'c', false)
    expect(h).toMatchObject({ state: 'closed', failures: 1 })
    // Healthy and staying healthy writes nothing.
    expect(afterRun(undefined, { kind: 'ok' }, T0, settings, 'c', false)).toBeUndefined()
  })

  it('a permanent error is terminal at once: no scheduled run until the configuration changes or a forced run', () => {
    const h = afterRun(undefined, { kind: 'terminal', error: 'authentication refused' }, T0, settings, 'c', false)
    expect(h).toMatchObject({ state: 'terminal', failures: 1, lastError: 'authentication refused', config: 'c' })
    expect(admit(h, T0 + 365 * 86_400_000, 'c')).toMatchObject({ run: false, reason: expect.stringMatching(/^terminal since 2026-12-07T12:00:00.000Z: authentication refused \(fix the source, then txgate pull/) })
    expect(admit(h, T0, 'changed')).toEqual({ run: true, trial: true })
    expect(admit(h, T0, 'c', true)).toEqual({ run: true, trial: true })
  })

  it('defaults to 5 failures and a 5 minute cool-down; the fingerprint follows the settings, not their key order', () => {
    expect(BreakerSchema.parse(undefined)).toEqual({ failures: 5, cooldown: '5m' })
    expect(() => BreakerSchema.parse({ failures: 0 })).toThrow()
    expect(() => parseSources('sources:\n  a:\n    kind: http-poll\n    provider: mahak\n    url: http://x/\n    cursor: { type: next_token, param: p, field: f }\n    breaker: { cooldown: soon }\n')).toThrow(/sources.yaml:7: source "a", field breaker.cooldown: a duration/)
    expect(sourceFingerprint({ a: 1, b: { c: 'x' } })).toBe(sourceFingerprint({ b: { c: 'x' }, a: 1 }))
    expect(sourceFingerprint({ a: 1, b: { c: 'x' } })).not.toBe(sourceFingerprint({ a: 1, b: { c: 'y' } }))
  })
})
