/**
 * @module A pull source's health between runs: a circuit breaker over its scheduled runs and a
 * terminal state for errors that retrying cannot fix (bad credentials, a missing folder or bucket).
 * Pure: the state lives in the checkpoint store, so every instance and a restart see the same one.
 */
import { z } from 'zod'

const DURATION = /^(\d+)(s|m|h)$/
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const

/** sources.yaml `breaker:`; absent = these defaults. */
export const BreakerSchema = z
  .strictObject({
    /** Consecutive failed runs that open the breaker. */
    failures: z.number().int().min(1).default(5),
    /** How long an open breaker skips scheduled runs before one half-open trial. */
    cooldown: z.string().regex(DURATION, 'a duration like 30s, 5m or 1h').default('5m'),
  })
  .default({ failures: 5, cooldown: '5m' })

export type BreakerSettings = z.infer<typeof BreakerSchema>

export const cooldownMs = (b: BreakerSettings): number => {
  const [, n, unit] = DURATION.exec(b.cooldown) ?? []
  return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]
}

/** What is stored: `open` becomes `half_open` on its own once `retryAt` has passed. */
export type SourceHealth = {
  state: 'closed' | 'open' | 'terminal'
  /** Consecutive failed runs. */
  failures: number
  /** When the state was entered (ISO). */
  since: string
  /** open: when the half-open trial may run (ISO). */
  retryAt?: string
  lastError?: string
  /** terminal: the source's configuration fingerprint then; a changed configuration clears the state. */
  config?: string
}

export const SHOWN_STATES = ['closed', 'open', 'half_open', 'terminal'] as const
export type ShownState = (typeof SHOWN_STATES)[number]

export const shownState = (h: SourceHealth | undefined, now: number): ShownState =>
  !h ? 'closed' : h.state === 'open' && h.retryAt !== undefined && Date.parse(h.retryAt) <= now ? 'half_open' : h.state

/** One pull source's state as /ready and `txgate sources` show it. */
export type SourceStateView = {
  source: string
  state: ShownState
  failures: number
  since?: string
  retry_at?: string
  last_error?: string
}

export function stateView(source: string, h: SourceHealth | undefined, now: number): SourceStateView {
  return {
    source,
    state: shownState(h, now),
    failures: h?.failures ?? 0,
    ...(h && h.state !== 'closed' ? { since: h.since } : {}),
    ...(h?.state === 'open' && h.retryAt ? { retry_at: h.retryAt } : {}),
    ...(h?.lastError ? { last_error: h.lastError } : {}),
  }
}

/** For /ready (server runtimes): each configured pull source's state now, read from the shared store. */
export type SourceStates = { states(): Promise<SourceStateView[]> }

export type Admission = { run: true; trial: boolean } | { run: false; reason: string }

/** Whether a scheduled run may go ahead now; `force` (`txgate pull`) always runs, as a trial when not closed. */
export function admit(h: SourceHealth | undefined, now: number, config: string, force = false): Admission {
  if (!h || h.state === 'closed') return { run: true, trial: false }
  if (force) return { run: true, trial: true }
  if (h.state === 'terminal') {
    // A new configuration is worth one normal run; the old one failed for good.
    if (h.config !== config) return { run: true, trial: true }
    return { run: false, reason: `terminal since ${h.since}: ${h.lastError ?? 'permanent error'} (fix the source, then txgate pull to retry)` }
  }
  if (shownState(h, now) === 'half_open') return { run: true, trial: true }
  return { run: false, reason: `circuit open after ${h.failures} failed runs, next trial at ${h.retryAt ?? '?'}` }
}

/** A run's end as the breaker counts it: `locked` and `skipped` runs change nothing. */
export type RunVerdict = { kind: 'ok' } | { kind: 'neutral' } | { kind: 'failed' | 'terminal'; error: string }

/** The health after a run; undefined when it is unchanged. */
export function afterRun(h: SourceHealth | undefined, v: RunVerdict, now: number, settings: BreakerSettings, config: string, trial: boolean): SourceHealth | undefined {
  const at = new Date(now).toISOString()
  if (v.kind === 'neutral') return undefined
  if (v.kind === 'ok') return h && (h.state !== 'closed' || h.failures > 0) ? { state: 'closed', failures: 0, since: at } : undefined
  const failures = (h?.failures ?? 0) + 1
  const lastError = v.error.slice(0, 500)
  if (v.kind === 'terminal') return { state: 'terminal', failures, since: h?.state === 'terminal' ? h.since : at, lastError, config }
  // A failed trial opens again at once; otherwise the breaker opens at the threshold.
  if (trial || failures >= settings.failures) {
    return { state: 'open', failures, since: h?.state === 'open' ? h.since : at, retryAt: new Date(now + cooldownMs(settings)).toISOString(), lastError }
  }
  return { state: 'closed', failures, since: h?.since ?? at, lastError }
}

/** A short stable fingerprint of a source's settings (key order ignored); names of env vars, never their values. */
export function sourceFingerprint(src: unknown): string {
  const text = stableJson(src)
  // FNV-1a, twice with different seeds: a change detector, not a security boundary.
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13)
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([x], [y]) => (x < y ? -1 : 1))
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

/** Where the health is kept: beside the checkpoints (the same PostgreSQL database, or the same folder). */
export type HealthStore = {
  readonly kind: 'postgres' | 'file'
  get(source: string): Promise<SourceHealth | undefined>
  set(source: string, health: SourceHealth): Promise<void>
  close(): Promise<void>
}
