/**
 * @module Commit positions for offset-based brokers (Kafka): messages of a partition finish out of
 * order when processed concurrently, but an offset may be committed only when it and every
 * earlier one are durable. Portable; offsets are decimal strings (Kafka's are 64-bit).
 */

type Entry = { offset: bigint; done: boolean }

export type OffsetTracker = {
  /** A message was handed to the flow; call in the partition's order. */
  track(partition: string, offset: string): void
  /**
   * Its output is durable. Returns the offset that may now be committed — the last of the
   * leading run of done offsets (Kafka commits that + 1) — or undefined when it did not move.
   */
  done(partition: string, offset: string): string | undefined
  /** The lowest offset not yet done: where to seek back to after a retry. */
  firstPending(partition: string): string | undefined
  /** Messages tracked and not done. */
  pending(partition: string): number
  /** Drops a partition (revoked in a rebalance, or re-read from firstPending after a seek). */
  forget(partition: string): void
  partitions(): string[]
}

export function createOffsetTracker(): OffsetTracker {
  const parts = new Map<string, { entries: Entry[]; head: number; byOffset: Map<bigint, Entry> }>()
  const part = (p: string) => {
    let s = parts.get(p)
    if (!s) parts.set(p, (s = { entries: [], head: 0, byOffset: new Map() }))
    return s
  }
  return {
    track(p, offset) {
      const s = part(p)
      const o = BigInt(offset)
      if (s.byOffset.has(o)) return // fetched again (a seek): still the same position
      const e = { offset: o, done: false }
      s.entries.push(e)
      s.byOffset.set(o, e)
    },
    done(p, offset) {
      const s = parts.get(p)
      const e = s?.byOffset.get(BigInt(offset))
      if (!s || !e) return undefined // forgotten (revoked / sought back): its copy is re-read
      e.done = true
      let last: bigint | undefined
      while (s.head < s.entries.length && (s.entries[s.head] as Entry).done) {
        const head = s.entries[s.head++] as Entry
        s.byOffset.delete(head.offset)
        last = head.offset
      }
      // Compact now and then, so a long-lived partition does not keep every settled entry.
      if (s.head > 1024 && s.head * 2 > s.entries.length) {
        s.entries = s.entries.slice(s.head)
        s.head = 0
      }
      return last === undefined ? undefined : last.toString()
    },
    firstPending(p) {
      const s = parts.get(p)
      const e = s?.entries[s.head]
      return e ? e.offset.toString() : undefined
    },
    pending(p) {
      const s = parts.get(p)
      return s ? s.entries.length - s.head : 0
    },
    forget(p) {
      parts.delete(p)
    },
    partitions: () => [...parts.keys()],
  }
}
