/** Shared by the in-process benches: a publisher that keeps nothing, the median round, the latency table. */
import type { Publisher } from '../../src/publish/types.ts'

/** The baseline sink: accepts and forgets, so the rest of the path's cost stands out. */
export const discardPublisher: Publisher = {
  kind: 'discard',
  async publish() {},
  async ping() {
    return { ok: true, kind: 'discard' }
  },
  async close() {},
}

export type LatencyRow = { p50: number; p95: number; p99: number; rps: number; rssMb: number }

/** The round with the median p50 (rounds alternate order, so noise from other load averages out). */
export function medianRound<R extends { p50: number }>(rounds: readonly R[]): R | undefined {
  return [...rounds].sort((a, b) => a.p50 - b.p50)[Math.floor(rounds.length / 2)]
}

const fmt = (n: number | undefined, digits = 2): string => (n ?? NaN).toFixed(digits)

/**
 * Prints one row per variant: latency, the p50 added over the first row (the baseline), req/s and
 * its ratio to the baseline, RSS, then the bench's own columns.
 */
export function printLatencyTable<R extends LatencyRow>(
  rows: readonly R[],
  label: { header: string; width: number; of(row: R): string },
  extra: readonly { header: string; cell(row: R): string }[] = [],
): void {
  const base = rows[0]
  const head = [label.header.padEnd(label.width), 'p50 ms', 'p95 ms', 'p99 ms', '+p50 ms', 'req/s', 'ratio', 'RSS MB']
  console.log([...head, ...extra.map((e) => e.header)].join('  '))
  for (const r of rows) {
    const cells = [
      label.of(r).padEnd(label.width),
      fmt(r.p50).padStart(6),
      fmt(r.p95).padStart(6),
      fmt(r.p99).padStart(6),
      fmt(r.p50 - (base?.p50 ?? 0)).padStart(7),
      fmt(r.rps, 0).padStart(5),
      fmt(r.rps / (base?.rps ?? 1)).padStart(5),
      fmt(r.rssMb, 0).padStart(6),
    ]
    console.log([...cells, ...extra.map((e) => e.cell(r).padStart(e.header.length))].join('  '))
  }
}
