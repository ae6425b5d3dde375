/** Fakes for in-process tests: a recording publisher, a settable clock, a captured log. */
import { Unavailable } from '../../src/errors.ts'
import { decodeRecord } from '../../src/publish/encode.ts'
import type { KafkaRecord, Publisher } from '../../src/publish/types.ts'

export type RecordingPublisher = Publisher & {
  records: KafkaRecord[]
  /** When set, publish rejects with this error (e.g. to simulate Kafka and spool down). */
  failWith?: Error
}

export function createRecordingPublisher(): RecordingPublisher {
  const pub: RecordingPublisher = {
    kind: 'recording',
    records: [],
    async publish(records) {
      if (pub.failWith) throw pub.failWith
      // Yield once so concurrent requests really interleave, as with real I/O.
      await new Promise((r) => setTimeout(r, 1))
      // Encoded records (the batch path) are kept decoded, as a consumer would read them.
      for (const r of records) pub.records.push(decodeRecord(r))
    },
    async ping() {
      return pub.failWith ? { ok: false, kind: 'recording', detail: 'failing' } : { ok: true, kind: 'recording' }
    },
    async close() {},
  }
  return pub
}

export const spoolFull = (): Error => new Unavailable('the local spool is full; retry later', { retryAfter: 60 })

export type Clock = { now: number; (): number }

export function createClock(start = Date.UTC(2026, 10, 22, 12, 0, 0)): Clock {
  const clock = (() => clock.now) as Clock
  clock.now = start
  return clock
}
