/** @module Linger batching: concurrent publishes share one produce call; each caller gets its own records' outcome. */
import { PublishFailed, RecordsRejected, type RecordOutcome } from './errors.ts'
import type { OutboundRecord, PublishOptions } from './types.ts'

/** One produce call: outcomes in the order of `records`, or a throw when none was acknowledged. */
export type SendRecords = (records: readonly OutboundRecord[]) => Promise<readonly RecordOutcome[]>

export type BatcherOptions = {
  send: SendRecords
  /**
   * How long the first record of an idle batcher waits for company. Records arriving while a
   * call is in flight wait for it anyway and go together in the next call.
   * @default 2
   */
  lingerMs?: number
  /**
   * Most records in one call.
   * @default 500
   */
  maxRecords?: number
}

/**
 * One call in flight at a time, like an idempotent producer with `max.in.flight = 1`: a later
 * record of a key can never overtake an earlier one.
 */
export function createBatcher({ send, lingerMs = 2, maxRecords = 500 }: BatcherOptions) {
  type Waiter = {
    records: readonly OutboundRecord[]
    resolve(): void
    reject(err: unknown): void
    detach(): void
  }
  let queue: Waiter[] = []
  let queued = 0
  let running = false
  let timer: ReturnType<typeof setTimeout> | undefined

  function schedule(): void {
    if (running || timer !== undefined) return
    if (lingerMs > 0 && queued < maxRecords) timer = setTimeout(run, lingerMs)
    else queueMicrotask(run)
  }

  async function run(): Promise<void> {
    timer = undefined
    if (running) return
    running = true
    while (queue.length > 0) {
      const batch = take()
      const records = batch.flatMap((w) => w.records)
      try {
        const outcomes = await send(records)
        if (outcomes.length !== records.length) {
          throw new PublishFailed(`${outcomes.length} results for ${records.length} records`)
        }
        let at = 0
        for (const w of batch) {
          settle(w, outcomes.slice(at, at + w.records.length))
          at += w.records.length
        }
      } catch (err) {
        for (const w of batch) w.reject(err instanceof Error ? err : new PublishFailed(String(err)))
      }
    }
    running = false
  }

  /** Whole callers, oldest first, up to maxRecords (at least one caller). */
  function take(): Waiter[] {
    const batch: Waiter[] = []
    let n = 0
    while (queue.length > 0) {
      const next = queue[0]
      if (!next || (batch.length > 0 && n + next.records.length > maxRecords)) break
      queue.shift()
      next.detach()
      batch.push(next)
      n += next.records.length
    }
    queued -= n
    return batch
  }

  return function submit(
    records: readonly OutboundRecord[],
    opts: PublishOptions = {},
  ): Promise<void> {
    const { signal } = opts
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (records.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        // The caller gave up before its records were sent (it spooled them): do not send them twice.
        const i = queue.indexOf(waiter)
        if (i < 0) return
        queue.splice(i, 1)
        queued -= records.length
        reject(signal?.reason)
      }
      const waiter: Waiter = {
        records,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      queue.push(waiter)
      queued += records.length
      schedule()
    })
  }
}

/**
 * What one caller's outcomes mean: nothing (all acknowledged), PublishFailed when any is worth
 * retrying (it goes to the spool and is replayed), else RecordsRejected naming the refused records.
 */
export function outcomeError(
  records: readonly OutboundRecord[],
  outcomes: readonly RecordOutcome[],
): Error | undefined {
  const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ ...o, record: records[i] }]))
  if (failed.length === 0) return undefined
  const transient = failed.find((f) => !f.permanent)
  if (transient) return new PublishFailed(transient.reason)
  return new RecordsRejected(
    failed.flatMap((f) => (f.record ? [{ record: f.record, reason: f.reason }] : [])),
  )
}

// --- Internal helpers ---

function settle(
  w: { records: readonly OutboundRecord[]; resolve(): void; reject(err: unknown): void },
  outcomes: readonly RecordOutcome[],
): void {
  const err = outcomeError(w.records, outcomes)
  if (err) w.reject(err)
  else w.resolve()
}
