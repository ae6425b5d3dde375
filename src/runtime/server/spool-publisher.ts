/** @module The spool as a Publisher (the embedded default sink) and as the Backlog Kafka is fed from. */
import { Unavailable } from '../../errors.ts'
import type { Backlog } from '../../publish/backlog.ts'
import type { Publisher } from '../../publish/types.ts'
import { SpoolFull, type Spool, type SpoolBatch } from './spool.ts'

/** Without Kafka: a record is accepted once it is fsync'd in the spool. */
export function createSpoolPublisher(spool: Spool, dir: string): Publisher {
  return {
    kind: 'spool',
    publish: (records) => append(spool, records),
    async ping() {
      const used = spool.size()
      const ok = used < spool.maxBytes
      return { ok, kind: 'spool', detail: `${dir}: ${used} of ${spool.maxBytes} bytes used` }
    },
    state: () => ({ spool: stats(spool) }),
    close: () => spool.close(),
  }
}

/** With Kafka: the spool holds what Kafka could not take yet, until the replay hands it over. */
export function createSpoolBacklog(spool: Spool): Backlog {
  return {
    append: (records) => append(spool, records),
    pendingBytes: () => spool.size(),
    next: (max) => spool.next(max),
    ack: (batch) => spool.ack(batch as SpoolBatch),
    quarantine: (rejections) => spool.quarantine(rejections),
    stats: () => stats(spool),
    close: () => spool.close(),
  }
}

// --- Internal helpers ---

async function append(spool: Spool, records: Parameters<Spool['append']>[0]): Promise<void> {
  try {
    await spool.append(records)
  } catch (err) {
    // Full: answer 503 rather than acknowledge what cannot be kept; the provider retries later.
    if (err instanceof SpoolFull) {
      throw new Unavailable('the local spool is full; retry later', { retryAfter: 60 })
    }
    // The disk itself is full: the write was not fsync'd, so it is not acknowledged; what was
    // acknowledged before is intact (a torn tail is overwritten by the next write, cut at restart).
    if (isDiskFull(err)) {
      throw new Unavailable("the spool's disk is full; retry later", { retryAfter: 30 })
    }
    throw err
  }
}

function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

function stats(spool: Spool) {
  return {
    pending_bytes: spool.size(),
    max_bytes: spool.maxBytes,
    quarantined: spool.quarantined(),
  }
}
