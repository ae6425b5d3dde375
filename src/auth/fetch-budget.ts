/** @module A per-isolate budget of outbound fetches in a sliding minute. */

const WINDOW_MS = 60_000

export type FetchBudget = {
  /** Spends one fetch at `now` and returns true, or returns false when `limit` are already spent. */
  take(now: number, limit: number): boolean
}

export function createFetchBudget(): FetchBudget {
  let spent: number[] = []
  return {
    take(now, limit) {
      // Only fetches within a minute of `now` count (a clock that moves back counts nothing twice).
      spent = spent.filter((t) => t > now - WINDOW_MS && t <= now)
      if (spent.length >= limit) return false
      spent.push(now)
      return true
    },
  }
}
