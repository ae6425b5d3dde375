/** @module `txgate sources [--json]`: the configured sources with their last run, cursor, counts and breaker state. */
import type { Command } from '../cli.ts'
import { batchSettings } from '../batch/env.ts'
import { isQueueSource } from '../../../sources/config.ts'
import { loadSourcesFile, openCheckpoints } from '../sources/open.ts'
import { openHealthStore } from '../sources/health-store.ts'
import { stateView } from '../../../sources/breaker.ts'
import { describeSchedule } from '../../../sources/schedule.ts'
import { describeQueueSource } from '../../../sources/queue/schema.ts'

export const sourcesCommand: Command = {
  summary: 'list the configured sources: name, kind, schedule, last run, cursor, counts, state (closed/open/half_open/terminal) [--json]',
  async run(args) {
    const settings = { ...process.env }
    const loaded = await loadSourcesFile(settings)
    if ('problem' in loaded) {
      process.stderr.write(`txgate sources: ${loaded.problem}\n`)
      return 2
    }
    const { sources } = loaded
    const checkpoints = await openCheckpoints(settings, batchSettings(settings).dir)
    const health = await openHealthStore(settings, batchSettings(settings).dir)
    try {
      const rows = []
      for (const s of sources) {
        const [last] = await checkpoints.listJobs(s.name, 1)
        // A queue source has no breaker: its broker redelivers.
        const view = isQueueSource(s) ? undefined : stateView(s.name, await health.get(s.name), Date.now())
        rows.push({
          name: s.name,
          kind: s.kind,
          schedule: isQueueSource(s) ? 'consumed' : s.schedule ? describeSchedule(s.schedule) : null,
          last_status: last?.status ?? null,
          last_run: last?.finishedAt ?? last?.startedAt ?? null,
          // A queue source has no cursor: its position is the broker's (acks, committed offsets).
          cursor: isQueueSource(s) ? null : ((await checkpoints.getCursor(s.name)) ?? null),
          ...(isQueueSource(s) ? { position: describeQueueSource(s) } : {}),
          rows: last?.rows ?? 0,
          published: last?.published ?? 0,
          dlq: last?.dlq ?? 0,
          ...(last?.error ? { error: last.error } : {}),
          state: view?.state ?? null,
          failures: view?.failures ?? 0,
          last_error: view?.last_error ?? null,
          retry_at: view?.retry_at ?? null,
          ...(view?.since ? { state_since: view.since } : {}),
        })
      }
      if (args.includes('--json')) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
        return 0
      }
      const head = ['NAME', 'KIND', 'SCHEDULE', 'LAST', 'CURSOR / POSITION', 'ROWS', 'PUBLISHED', 'DLQ', 'STATE', 'FAILURES', 'RETRY AT']
      const table = [
        head,
        ...rows.map((r) => [r.name, r.kind, r.schedule ?? '-', r.last_status ?? 'never', r.position ?? r.cursor ?? '-', String(r.rows), String(r.published), String(r.dlq), r.state ?? '-', String(r.failures), r.retry_at ?? '-']),
      ]
      const widths = head.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)))
      process.stdout.write(table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n')
      // The last error is too long for a column: one line under the table for each source that has one.
      for (const r of rows) if (r.last_error) process.stdout.write(`${r.name}: ${r.state}${r.state_since ? ` since ${r.state_since}` : ''}: ${r.last_error}\n`)
      return 0
    } finally {
      await health.close()
      await checkpoints.close()
    }
  },
}
