/** @module `txgate ingest <path> --provider P [--checksum sha256:HEX] [--mapping f.yaml] [--force]`: one file → transactions.batch. */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { exitCodeOf } from '../../../batch/job.ts'
import { MappingError, parseMappingFile, type BatchMapping } from '../../../batch/mapping.ts'
import type { Command } from '../cli.ts'
import { buildServerDeps } from '../deps.ts'
import { batchSettings, buildBatchEnv } from '../batch/env.ts'
import { ingestFile } from '../batch/ingest.ts'
import { parseChecksum, readSidecar } from '../batch/integrity.ts'
import { createProgressBar } from '../batch/progress.ts'

const USAGE =
  'usage: txgate ingest <path> --provider P [--checksum sha256:HEX] [--mapping file.yaml] [--force] [--workers N]\n' +
  'exit codes: 0 all published, 4 some records went to the DLQ, 3 file refused (checksum, corrupt, duplicate), 1 failed, 2 usage\n'

export const ingestCommand: Command = {
  summary: 'ingest a settlement file (CSV, NDJSON, Parquet; gzip): ingest <path> --provider P',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        provider: { type: 'string' },
        checksum: { type: 'string' },
        mapping: { type: 'string' },
        force: { type: 'boolean' },
        workers: { type: 'string' },
      },
    })
    const path = positionals[0]
    if (!path || !values.provider) return usage('a path and --provider are required')
    const checksum = values.checksum !== undefined ? parseChecksum(values.checksum) : await readSidecar(path)
    if (values.checksum !== undefined && checksum === undefined) return usage('--checksum must be sha256:<64 hex digits>')
    if (checksum === 'invalid') return usage(`${path}.sha256 holds no SHA-256`)
    let mapping: BatchMapping | undefined
    if (values.mapping) {
      try {
        mapping = parseMappingFile(await readFile(values.mapping, 'utf8'))[values.provider]
      } catch (err) {
        if (err instanceof MappingError) return usage(err.message)
        throw err
      }
      if (!mapping) return usage(`${values.mapping} has no mapping for "${values.provider}"`)
    }
    const settings = { LOG_LEVEL: 'warn', ...process.env }
    const s = batchSettings(settings)
    if (values.workers !== undefined) s.workers = Number(values.workers)
    // Logs go to stderr: stdout carries the JSON summary only.
    const deps = await buildServerDeps(settings, (line) => process.stderr.write(line + '\n'))
    try {
      const env = await buildBatchEnv(deps, s)
      const bar = createProgressBar(process.stderr)
      const status = await ingestFile(env, {
        path,
        provider: values.provider,
        ...(mapping ? { mapping } : {}),
        ...(checksum ? { checksum } : {}),
        ...(values.force ? { force: true } : {}),
        onProgress: (st) => bar.update(st),
      })
      bar.done()
      process.stdout.write(JSON.stringify(status, null, 2) + '\n')
      return exitCodeOf(status)
    } finally {
      await deps.close()
    }
  },
}

function usage(problem: string): number {
  process.stderr.write(`txgate ingest: ${problem}\n${USAGE}`)
  return 2
}
