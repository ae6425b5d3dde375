/**
 * @module Background work past the answer (waitUntil): a tracker the runtime entry drains, per
 * request on Workers (`ctx.waitUntil(tracker.drain())`) and before exit on server runtimes.
 */

export type Background = {
  /** Keeps `work` going after the answer is sent; a rejection is reported, never thrown. */
  waitUntil(work: Promise<unknown>): void
  /** Resolves once every piece of work handed in so far has settled. */
  drain(): Promise<void>
  /** How many pieces of work are still running. */
  readonly pending: number
}

export function createBackground(onError: (err: unknown) => void): Background {
  const running = new Set<Promise<unknown>>()
  return {
    waitUntil(work) {
      const tracked: Promise<unknown> = work
        .catch((err: unknown) => onError(err))
        .finally(() => running.delete(tracked))
      running.add(tracked)
    },
    async drain() {
      // Work may start more work while it runs: loop until nothing is left.
      while (running.size > 0) await Promise.allSettled([...running])
    },
    get pending() {
      return running.size
    },
  }
}
