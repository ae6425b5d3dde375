/** @module The spool as a Publisher: the embedded default sink, durable once fsync'd. */
import { Unavailable } from '../../errors.ts'
import type { Publisher } from '../../publish/types.ts'
import { SpoolFull, type Spool } from './spool.ts'

export function createSpoolPublisher(spool: Spool, dir: string, maxBytes: number): Publisher {
  return {
    kind: 'spool',
    async publish(records) {
      try {
        await spool.append(records)
      } catch (err) {
        if (err instanceof SpoolFull) {
          throw new Unavailable('the local spool is full; retry later', { retryAfter: 60 })
        }
        throw err
      }
    },
    async ping() {
      const used = spool.size()
      const ok = used < maxBytes
      return { ok, kind: 'spool', detail: `${dir}: ${used} of ${maxBytes} bytes used` }
    },
    close: () => spool.close(),
  }
}
