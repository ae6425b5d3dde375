/** @module Circuit breaker: closed → open after N consecutive failures → one half-open probe → closed. */

export type BreakerState = 'closed' | 'open' | 'half-open'

export type BreakerOptions = {
  /** Milliseconds since the epoch; injected so tests control time. */
  clock: () => number
  /**
   * Consecutive failures (errors or timeouts) that open the breaker.
   * @default 5
   */
  failureThreshold?: number
  /**
   * How long the breaker stays open before it lets one probe through.
   * @default 5000
   */
  cooldownMs?: number
  onChange?(from: BreakerState, to: BreakerState): void
}

/** The right to make one call; report how it went exactly once. */
export type Permit = {
  success(): void
  failure(): void
  /** The call was not made after all (nothing to send). */
  release(): void
}

export type BreakerSnapshot = {
  state: BreakerState
  consecutive_failures: number
  retry_in_ms: number
}

export type Breaker = {
  /** A permit when a call may go to Kafka now; undefined while open or while a probe is out. */
  acquire(): Permit | undefined
  state(): BreakerState
  /** Milliseconds until a probe is allowed (0 unless open). */
  retryInMs(): number
  snapshot(): BreakerSnapshot
}

export function createBreaker({
  clock,
  failureThreshold = 5,
  cooldownMs = 5000,
  onChange,
}: BreakerOptions): Breaker {
  let open = false
  let openedAt = 0
  let failures = 0
  let probeOut = false
  // Bumped on every transition: a call that started before it cannot move the new state.
  let generation = 0

  const state = (): BreakerState =>
    !open ? 'closed' : clock() - openedAt >= cooldownMs ? 'half-open' : 'open'

  function transition(to: 'open' | 'closed'): void {
    const from = state()
    generation += 1
    probeOut = false
    open = to === 'open'
    if (open) openedAt = clock()
    else failures = 0
    if (from !== to) onChange?.(from, to)
  }

  function permit(gen: number, probe: boolean): Permit {
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      if (gen === generation) fn()
    }
    return {
      success: () => settle(() => (probe ? transition('closed') : (failures = 0))),
      failure: () =>
        settle(() => {
          failures += 1
          if (probe || failures >= failureThreshold) transition('open')
        }),
      release: () => settle(() => (probe ? (probeOut = false) : undefined)),
    }
  }

  return {
    acquire() {
      const s = state()
      if (s === 'closed') return permit(generation, false)
      if (s === 'open' || probeOut) return undefined
      probeOut = true
      return permit(generation, true)
    },
    state,
    retryInMs: () => (state() === 'open' ? openedAt + cooldownMs - clock() : 0),
    snapshot() {
      const s = state()
      return {
        state: s,
        consecutive_failures: failures,
        retry_in_ms: s === 'open' ? openedAt + cooldownMs - clock() : 0,
      }
    },
  }
}
