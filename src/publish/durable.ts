/** @module Kafka first, spool when Kafka fails or is slow, and the spool replayed into Kafka in order in the background. */
import { GatewayError, Unavailable } from '../errors.ts'
import type { Logger } from '../observability/log.ts'
import type { Health } from '../store/types.ts'
import type { Backlog } from './backlog.ts'
import type { Breaker } from './breaker.ts'
import { deliver, settleBatch } from './deliver.ts'
import type { Rejection } from './errors.ts'
import type { OutboundRecord, Publisher } from './types.ts'

export type DurableOptions = {
  /** The Kafka publisher (kafkajs or the REST bridge). */
  primary: Publisher
  /** Where records go while Kafka cannot take them; without one (edge), the caller gets 503. */
  backlog?: Backlog
  breaker: Breaker
  log: Logger
  /**
   * A publish without acknowledgement after this long counts as failed.
   * @default 5000
   */
  timeoutMs?: number
  /**
   * Records per replay call.
   * @default 500
   */
  replayBatch?: number
}

export type DurablePublisher = Publisher & {
  /** Resolves when the replay loop has stopped (backlog empty, or closing). */
  settled(): Promise<void>
}

const IDLE_POLL_MS = 5
const MAX_SLEEP_MS = 1000

export function createDurablePublisher({
  primary,
  backlog,
  breaker,
  log,
  timeoutMs = 5000,
  replayBatch = 500,
}: DurableOptions): DurablePublisher {
  let closed = false
  let replaying: Promise<void> | undefined
  let wake: (() => void) | undefined

  async function toBacklog(records: readonly OutboundRecord[]): Promise<void> {
    if (!backlog) {
      const retryAfter = Math.max(1, Math.ceil(breaker.retryInMs() / 1000))
      throw new Unavailable('Kafka is unavailable; retry later', { retryAfter })
    }
    try {
      await backlog.append(records)
    } catch (err) {
      if (err instanceof GatewayError) throw err
      log.error('spool append failed', { error: String(err) })
      throw new Unavailable('the event could not be stored durably; retry later', {
        retryAfter: 30,
      })
    }
    replay()
  }

  function logRejected(rejections: readonly Rejection[]): void {
    log.error('Kafka refused records for good; kept in the spool quarantine', {
      event_ids: rejections.map((r) => r.record.headers['event_id']),
      reason: rejections[0]?.reason,
    })
  }

  /** Starts the replay loop unless it runs; it ends when the backlog is empty. */
  function replay(): void {
    if (!backlog || closed || replaying) return
    replaying = replayLoop(backlog).finally(() => {
      replaying = undefined
      // An append may have come in between the loop's last check and now.
      if (backlog.pendingBytes() > 0) replay()
    })
  }

  async function replayLoop(b: Backlog): Promise<void> {
    while (!closed && b.pendingBytes() > 0) {
      try {
        await sleep(await replayOnce(b))
      } catch (err) {
        // A disk error: keep the records where they are and try again later.
        log.error('replay from the spool failed', { error: String(err) })
        await sleep(MAX_SLEEP_MS)
      }
    }
  }

  /** Sends the oldest spooled batch if the breaker allows; returns how long to wait before the next. */
  async function replayOnce(b: Backlog): Promise<number> {
    const wait = breaker.retryInMs()
    if (wait > 0) return wait
    // undefined: accepted but not yet fsync'd, the spool is finishing a write.
    const batch = await b.next(replayBatch)
    const permit = batch && breaker.acquire()
    if (!batch || !permit) return IDLE_POLL_MS
    const d = await deliver(primary, batch.records, timeoutMs)
    if (d.kind === 'failed') {
      permit.failure()
      log.warn('replay into Kafka failed; will retry', {
        error: d.error.message,
        breaker: breaker.state(),
      })
      return 0
    }
    permit.success()
    if (d.kind === 'rejected') logRejected(d.rejections)
    await settleBatch(b, batch, d)
    log.debug('replayed spooled records into Kafka', { records: batch.records.length })
    return 0
  }

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.min(ms, MAX_SLEEP_MS))
      function done() {
        clearTimeout(t)
        wake = undefined
        resolve()
      }
      wake = done
    })
  }

  if (backlog && backlog.pendingBytes() > 0) {
    log.info('spool holds records from before; replaying them into Kafka', {
      pending_bytes: backlog.pendingBytes(),
    })
    replay()
  }

  return {
    kind: primary.kind,
    async publish(records) {
      if (closed) throw new Unavailable('the gateway is shutting down', { retryAfter: 5 })
      // While older records wait in the spool, newer ones queue behind them: Kafka gets them in order.
      if (backlog && backlog.pendingBytes() > 0) return toBacklog(records)
      const permit = breaker.acquire()
      if (!permit) return toBacklog(records)
      const d = await deliver(primary, records, timeoutMs)
      if (d.kind === 'acked') return permit.success()
      if (d.kind === 'rejected') {
        permit.success()
        logRejected(d.rejections)
        if (!backlog)
          throw new Unavailable('Kafka refused the record; it was not kept', { retryAfter: 300 })
        return backlog.quarantine(d.rejections)
      }
      permit.failure()
      log.warn('Kafka publish failed; records go to the spool', {
        error: d.error.message,
        breaker: breaker.state(),
      })
      return toBacklog(records)
    },
    async ping(): Promise<Health> {
      const kafka = await deliverPing(primary, Math.min(timeoutMs, 2000))
      const room = backlog ? backlog.pendingBytes() < backlog.stats().max_bytes : false
      const detail = `${kafka.detail ?? (kafka.ok ? 'ok' : 'down')}; breaker ${breaker.state()}`
      // Kafka down but the spool has room: events are still accepted durably.
      return { ok: kafka.ok || room, kind: primary.kind, detail }
    },
    state() {
      return {
        breaker: breaker.snapshot(),
        ...(backlog ? { spool: backlog.stats() } : {}),
      }
    },
    settled: () => replaying ?? Promise.resolve(),
    async close() {
      closed = true
      wake?.()
      await replaying
      await primary.close()
      await backlog?.close()
    },
  }
}

// --- Internal helpers ---

async function deliverPing(primary: Publisher, ms: number): Promise<Health> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<Health>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, kind: primary.kind, detail: `no answer within ${ms} ms` }),
      ms,
    )
  })
  try {
    return await Promise.race([
      primary.ping().catch((e: unknown) => ({ ok: false, kind: primary.kind, detail: String(e) })),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}
