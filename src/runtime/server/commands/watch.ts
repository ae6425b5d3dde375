/** @module `txgate watch <dir> --provider P [--interval S]`: ingest files dropped into a directory. */
import { parseArgs } from 'node:util'
import type { Command } from '../cli.ts'
import { buildServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { watchDir } from '../batch/watch.ts'

export const watchCommand: Command = {
  summary: 'ingest files dropped into a directory, then move them to processed/ or failed/: watch <dir> --provider P',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { provider: { type: 'string' }, interval: { type: 'string' }, mapping: { type: 'string' } },
    })
    const dir = positionals[0]
    const interval = values.interval === undefined ? 5 : Number(values.interval)
    if (!dir || !values.provider || !(interval > 0)) {
      process.stderr.write('usage: txgate watch <dir> --provider P [--interval seconds] [--mapping file.yaml]\n')
      return 2
    }
    const settings = { LOG_LEVEL: 'warn', ...process.env }
    const deps = await buildServerDeps(settings, (line) => process.stderr.write(line + '\n'))
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    process.once('SIGTERM', () => stop.abort())
    try {
      const s = batchSettings(settings)
      const env = await buildBatchEnv(deps, s, values.mapping ?? s.mappingsFile)
      process.stderr.write(`txgate: watching ${dir} for ${values.provider} files every ${interval}s\n`)
      // One JSON summary per file, one per line (NDJSON), for whatever reads the output.
      await watchDir(env, { dir, provider: values.provider, intervalSec: interval, signal: stop.signal, onJob: (st) => process.stdout.write(JSON.stringify(st) + '\n') })
      return 0
    } finally {
      await deps.close()
    }
  },
}
