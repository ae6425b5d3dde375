/** @module `txgate pull <source>`: one pull of one configured source, for cron, Airflow and other external schedulers. */
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import type { Command } from '../cli.ts'
import { buildServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { leaseHolder, loadSourcesFile, openCheckpoints } from '../sources/open.ts'
import { pullExitCode } from '../sources/pull.ts'
import { sourceLeaseMs } from '../sources/source-lease.ts'
import { pullGuarded } from '../sources/guarded-pull.ts'
import { openHealthStore } from '../sources/health-store.ts'
import { shownState } from '../../../sources/breaker.ts'
import { isQueueSource } from '../../../sources/config.ts'

const USAGE =
  'usage: txgate pull <source> [--dry-run]\n' +
  'runs whatever the source\'s breaker says (an open or terminal source gets this run as its trial; success closes it)\n' +
  'exit codes: 0 done, 1 failed (a permanent error too: the source is then terminal), 75 nothing new or another instance is pulling it (lease held), 2 usage or configuration\n'

export const pullCommand: Command = {
  summary: 'pull one configured source now (sources.yaml): pull <source> [--dry-run]; exit 0 done, 1 failed, 75 nothing new / locked',
  async run(args) {
    const dryRun = args.includes('--dry-run')
    const name = args.filter((a) => a !== '--dry-run')[0]
    if (!name || name.startsWith('-')) return usage('a source name is required')
    const settings: Settings = { LOG_LEVEL: 'warn', ...process.env }
    let lease: ReturnType<typeof sourceLeaseMs>
    try {
      lease = sourceLeaseMs(settings)
    } catch (err) {
      return usage(err instanceof Error ? err.message : String(err))
    }
    const loaded = await loadSourcesFile(settings)
    if ('problem' in loaded) return usage(loaded.problem)
    const { sources } = loaded
    const src = sources.find((s) => s.name === name)
    if (!src) return usage(`no source "${name}" in ${settings['TXGATE_SOURCES'] || './sources.yaml'} (configured: ${sources.map((s) => s.name).join(', ') || 'none'})`)
    if (isQueueSource(src)) {
      process.stderr.write(`txgate pull: source "${name}" is a ${src.kind} queue: it is consumed (txgate consume ${name}, or the gateway), not pulled\n`)
      return 1
    }
    const s = batchSettings(settings)
    const deps = await buildServerDeps(settings, (line) => process.stderr.write(line + '\n'))
    const checkpoints = await openCheckpoints(settings, s.dir)
    const health = await openHealthStore(settings, s.dir)
    try {
      const batch = await buildBatchEnv(deps, s)
      const tty = process.stderr.isTTY
      // Forced: an operator (or Airflow) asked for this run; for a source that is not closed it is the trial.
      const g = await pullGuarded(
        { batch, checkpoints, stagingDir: join(s.dir, 'tmp'), holder: leaseHolder(), fetch: { env: settings }, dryRun, ...lease,
          onPage: (r) => tty && process.stderr.write(`\r${r.source}: ${r.pages} pages, ${r.rows} rows, cursor ${r.cursor ?? '-'}`) },
        { health, clock: deps.clock, log: deps.log },
        src,
        { force: true },
      )
      const { result } = g
      if (tty) process.stderr.write('\n')
      const now = deps.clock()
      const before = shownState(g.before, now)
      const after = shownState(g.after, now)
      process.stdout.write(JSON.stringify({ ...result, state: after }, null, 2) + '\n')
      if (before !== 'closed') {
        const what = dryRun ? 'a dry run leaves its state as it was' : 'this run was its trial'
        process.stderr.write(`txgate pull: ${name} was ${before} (${g.before?.lastError ?? 'no error recorded'}); ${what}\n`)
      }
      if (result.outcome === 'failed') process.stderr.write(`txgate pull: ${result.error ?? 'failed'}\n`)
      if (after === 'terminal') {
        process.stderr.write(`txgate pull: ${name} is terminal: a permanent error (credentials, a missing folder, bucket or endpoint). The gateway does not pull it on schedule until its configuration changes or txgate pull succeeds\n`)
      } else if (after === 'open') {
        process.stderr.write(`txgate pull: ${name}'s circuit is open after ${g.after?.failures ?? 0} failed runs: the gateway skips it until ${g.after?.retryAt ?? '?'}\n`)
      } else if (before !== 'closed' && after === 'closed') {
        process.stderr.write(`txgate pull: ${name} recovered: circuit closed, scheduled pulls resume\n`)
      }
      return pullExitCode(result.outcome)
    } finally {
      await health.close()
      await checkpoints.close()
      await deps.close()
    }
  },
}

function usage(problem: string): number {
  process.stderr.write(`txgate pull: ${problem}\n${USAGE}`)
  return 2
}
