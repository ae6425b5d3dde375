/** @module A one-line progress bar for a TTY: records, MB, rate, ETA. */
import type { JobStatus } from '../../../batch/job.ts'

const WIDTH = 24
const EVERY_MS = 200

export type ProgressBar = { update(s: Readonly<JobStatus>): void; done(): void }

export function createProgressBar(out: NodeJS.WriteStream): ProgressBar {
  if (!out.isTTY) return { update() {}, done() {} }
  const started = performance.now()
  let last = 0
  let shown = false
  return {
    update(s) {
      const now = performance.now()
      if (now - last < EVERY_MS && s.finishedAt === undefined) return
      last = now
      const secs = Math.max(0.001, (now - started) / 1000)
      const { bytesRead, totalBytes } = s.progress
      const frac = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 0
      const bar = '█'.repeat(Math.round(frac * WIDTH)).padEnd(WIDTH, '░')
      const rate = Math.round(s.stats.read / secs)
      const eta = frac > 0 && frac < 1 ? `ETA ${Math.ceil((secs / frac) * (1 - frac))}s` : ''
      const mb = (n: number) => (n / 1048576).toFixed(1)
      out.write(`\r${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${s.stats.read.toLocaleString('en')} records  ${mb(bytesRead)}/${mb(totalBytes)} MB  ${rate.toLocaleString('en')}/s  ${eta}\x1b[K`)
      shown = true
    },
    done() {
      if (shown) out.write('\n')
    },
  }
}
