/** @module `txgate pull <source>`: one pull of one configured source, for cron, Airflow and other external schedulers. */
import { join } from 'node:path'
import type { Settings } from '../../../config.ts'
import type { Command } from '../cli.ts'
import { buildServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { leaseHolder, loadSourcesFile, openCheckpoints } from '../sources/open.ts'
import { pullExitCode, pullSource } from '../sources/pull.ts'

const USAGE = 'usage: txgate pull <source> [--dry-run]\nexit codes: 0 done, 1 failed, 75 nothing new or another instance is pulling it (lease held), 2 usage or configuration\n'

export const pullCommand: Command = {
  summary: 'pull one configured source now (sources.yaml): pull <source> [--dry-run]; exit 0 done, 1 failed, 75 nothing new / locked',
  async run(args) {
    const dryRun = args.includes('--dry-run')
    const name = args.filter((a) => a !== '--dry-run')[0]
    if (!name || name.startsWith('-')) return usage('a source name is required')
    const settings: Settings = { LOG_LEVEL: 'warn', ...process.env }
    const loaded = await loadSourcesFile(settings)
    if ('problem' in loaded) return usage(loaded.problem)
    const { sources } = loaded
    const src = sources.find((s) => s.name === name)
    if (!src) return usage(`no source "${name}" in ${settings['TXGATE_SOURCES'] || './sources.yaml'} (configured: ${sources.map((s) => s.name).join(', ') || 'none'})`)
    const s = batchSettings(settings)
    const deps = await buildServerDeps(settings, (line) => process.stderr.write(line + '\n'))
    const checkpoints = await openCheckpoints(settings, s.dir)
    try {
      const batch = await buildBatchEnv(deps, s)
      const tty = process.stderr.isTTY
      const result = await pullSource(
        { batch, checkpoints, stagingDir: join(s.dir, 'tmp'), holder: leaseHolder(), fetch: { env: settings }, dryRun,
          onPage: (r) => tty && process.stderr.write(`\r${r.source}: ${r.pages} pages, ${r.rows} rows, cursor ${r.cursor ?? '-'}`) },
        src,
      )
      if (tty) process.stderr.write('\n')
      process.stdout.write(JSON.stringify(result, null, 2) + '\n')
      if (result.outcome === 'failed') process.stderr.write(`txgate pull: ${result.error ?? 'failed'}\n`)
      return pullExitCode(result.outcome)
    } finally {
      await checkpoints.close()
      await deps.close()
    }
  },
}

function usage(problem: string): number {
  process.stderr.write(`txgate pull: ${problem}\n${USAGE}`)
  return 2
}
