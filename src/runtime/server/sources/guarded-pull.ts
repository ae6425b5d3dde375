/**
 * @module One pull behind the source's breaker: skipped while its circuit is open or it is terminal,
 * else run (a half-open trial after the cool-down), and the new state saved for every instance.
 * `force` (`txgate pull <source>`) runs whatever the state: the operator's trial and reset.
 */
import type { Logger } from '../../../observability/log.ts'
import { admit, afterRun, sourceFingerprint, type HealthStore, type RunVerdict, type SourceHealth } from '../../../sources/breaker.ts'
import type { PullSourceConfig } from '../../../sources/config.ts'
import { pullSource, type PullEnv, type PullResult } from './pull.ts'

export type Guard = {
  health: HealthStore
  /** Wall time (ms) for cool-downs; injectable so tests need not wait. */
  clock?: () => number
  log?: Logger
}

export type GuardedPull = {
  result: PullResult
  /** The state before the run, and after it (the same object when nothing changed). */
  before: SourceHealth | undefined
  after: SourceHealth | undefined
  /** The run was a half-open (or forced) trial of a source that was not closed. */
  trial: boolean
}

export async function pullGuarded(env: PullEnv, guard: Guard, src: PullSourceConfig, opts: { force?: boolean } = {}): Promise<GuardedPull> {
  const clock = guard.clock ?? Date.now
  const config = sourceFingerprint(src)
  const before = await guard.health.get(src.name).catch((err: unknown) => {
    // The state cannot be read: run as if closed (the pull needs the same database and fails on its own if it is down).
    guard.log?.warn('source breaker state not read', { source: src.name, error: String(err) })
    return undefined
  })
  const admission = admit(before, clock(), config, opts.force === true)
  if (!admission.run) {
    const result: PullResult = { source: src.name, outcome: 'skipped', pages: 0, rows: 0, published: 0, dlq: 0, duplicates: 0, error: admission.reason }
    return { result, before, after: before, trial: false }
  }
  const result = await pullSource(env, src)
  // A dry run proves nothing about the source's health either way.
  const verdict: RunVerdict = env.dryRun
    ? { kind: 'neutral' }
    : result.outcome === 'done' || result.outcome === 'nothing_new'
      ? { kind: 'ok' }
      : result.outcome === 'failed'
        ? { kind: result.terminal ? 'terminal' : 'failed', error: result.error ?? 'failed' }
        : { kind: 'neutral' }
  const next = afterRun(before, verdict, clock(), src.breaker, config, admission.trial)
  // A state that cannot be saved is logged, not thrown: the pull itself happened and its result stands.
  if (next) await guard.health.set(src.name, next).catch((err: unknown) => guard.log?.warn('source breaker state not saved', { source: src.name, error: String(err) }))
  if (next && next.state !== (before?.state ?? 'closed')) logTransition(guard.log, src.name, next)
  return { result, before, after: next ?? before, trial: admission.trial }
}

function logTransition(log: Logger | undefined, source: string, h: SourceHealth): void {
  if (!log) return
  const fields = { source, failures: h.failures, ...(h.lastError ? { error: h.lastError } : {}) }
  if (h.state === 'terminal') log.error('source terminal: not pulled on schedule until its configuration changes or `txgate pull` succeeds', fields)
  else if (h.state === 'open') log.warn('source circuit open: scheduled pulls skipped until the cool-down ends', { ...fields, retry_at: h.retryAt ?? '' })
  else log.info('source recovered: circuit closed', { source })
}
