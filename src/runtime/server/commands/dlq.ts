/** @module `txgate dlq list|show|resend`: DLQ and quarantine records, re-sent once after a mapping fix. */
import { parseArgs } from 'node:util'
import { providers } from '../../../../providers/index.ts'
import { loadConfig } from '../../../config.ts'
import { findEntries, parseSince, resend, type DlqFilter, type ResendReport } from '../../../dlq/resend.ts'
import { createLogger } from '../../../observability/log.ts'
import { createRegistry } from '../../../provider/registry.ts'
import type { Publisher } from '../../../publish/types.ts'
import type { Command } from '../cli.ts'
import { serverDlqPort } from '../dlq-files.ts'
import { openKafkaPublisher } from '../publisher.ts'
import { openSharedState } from '../shared-state.ts'
import { openSpool } from '../spool.ts'
import { createSpoolPublisher } from '../spool-publisher.ts'

const USAGE = `usage: txgate dlq list   [filters] [--json]
       txgate dlq show   <id>
       txgate dlq resend [filters] [--dry-run] [--json]
filters: --provider P  --reason TEXT  --since 2h|RFC3339  --id ID[prefix]  --origin spool|quarantine|file
         --file dump.ndjson (records from a Kafka DLQ topic dump)  --dir SPOOL_DIR
`

export const dlqCommand: Command = {
  summary: 'dlq list|show|resend [--dry-run]: DLQ and quarantine records, re-sent once after a mapping fix',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        provider: { type: 'string' },
        reason: { type: 'string' },
        since: { type: 'string' },
        id: { type: 'string' },
        origin: { type: 'string' },
        file: { type: 'string' },
        dir: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    })
    const [action, idArg] = positionals
    if (action !== 'list' && action !== 'show' && action !== 'resend') {
      process.stderr.write(USAGE)
      return 2
    }
    const settings = values.dir ? { ...process.env, TXGATE_SPOOL_DIR: values.dir } : process.env
    const config = loadConfig(settings)
    const port = await serverDlqPort(config, settings, values.file)
    const filter: DlqFilter = {}
    if (values.provider) filter.provider = values.provider
    if (values.reason) filter.reason = values.reason
    if (values.id ?? idArg) filter.id = values.id ?? idArg
    if (values.origin) {
      if (!['spool', 'quarantine', 'file'].includes(values.origin)) throw new Error('--origin is spool, quarantine or file')
      filter.origin = values.origin as NonNullable<DlqFilter['origin']>
    }
    if (values.since) {
      const since = parseSince(values.since, Date.now())
      if (since === undefined) throw new Error(`--since "${values.since}": an RFC 3339 time or a duration like 90m, 2h, 7d`)
      filter.since = since
    }

    if (action === 'list') {
      const entries = await findEntries(port.source, filter)
      const resent = await port.source.resentIds()
      for (const e of entries) {
        const row = { id: e.id, origin: e.origin, at: e.at, provider: e.provider, resent: resent.has(e.key), reason: e.reason }
        await write(values.json ? JSON.stringify(row) + '\n' : `${e.id}  ${e.at}  ${e.provider.padEnd(10)} ${e.origin.padEnd(10)} ${resent.has(e.key) ? 'resent ' : 'pending'}  ${e.reason}\n`)
      }
      if (!values.json) process.stderr.write(`${entries.length} record(s)\n`)
      return 0
    }
    if (action === 'show') {
      if (!filter.id) throw new Error('txgate dlq show <id>')
      const [e] = await findEntries(port.source, filter)
      if (!e) {
        process.stderr.write(`txgate: no DLQ or quarantine record ${filter.id}\n`)
        return 1
      }
      await write(JSON.stringify({ id: e.id, origin: e.origin, at: e.at, reason: e.reason, record: e.record }, null, 2) + '\n')
      return 0
    }

    const log = createLogger('warn', (line) => process.stderr.write(line + '\n'), Date.now)
    const state = await openSharedState(config, settings, log, Date.now)
    const publisher = await openPublisher(config, settings, log, values['dry-run'])
    try {
      const report = await resend(
        { config, registry: createRegistry(providers), publisher, store: state.store, clock: Date.now, log, ...(port.mappings ? { mappings: port.mappings } : {}) },
        port.source,
        filter,
        { dryRun: values['dry-run'] },
      )
      await write(values.json ? JSON.stringify(report) + '\n' : text(report))
      return report.still_failing > 0 ? 1 : 0
    } finally {
      await publisher.close()
      await state.close()
    }
  },
}

// --- Internal helpers ---

/** Kafka when configured; else the spool, which a running gateway holds (then: its admin endpoint). */
async function openPublisher(
  config: ReturnType<typeof loadConfig>,
  settings: NodeJS.ProcessEnv,
  log: ReturnType<typeof createLogger>,
  dryRun: boolean,
): Promise<Publisher> {
  const kafka = await openKafkaPublisher(config, settings, log)
  if (kafka) return kafka
  if (dryRun) {
    const refuse = () => Promise.reject(new Error('dry run'))
    return { kind: 'dry-run', publish: refuse, ping: async () => ({ ok: true, kind: 'dry-run' }), close: async () => {} }
  }
  const spool = await openSpool({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes }).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}: with the spool as the sink, re-send through the running gateway ` +
        '(POST /admin/dlq/resend with TXGATE_DLQ_ADMIN_TOKEN), or stop it first',
    )
  })
  return createSpoolPublisher(spool, config.spoolDir)
}

function text(r: ResendReport): string {
  const lines = r.results.map((x) => `${x.id}  ${x.provider.padEnd(10)} ${x.outcome.padEnd(17)} ${x.reason ?? ''}`.trimEnd())
  const head = r.dry_run
    ? `dry run: ${r.matched} matched, ${r.would_publish} would publish, ${r.still_failing} still failing, ${r.already_published} already published`
    : `${r.matched} matched, ${r.published} published, ${r.still_failing} still failing, ${r.already_published} already published`
  return [...lines, head].join('\n') + '\n'
}

async function write(s: string): Promise<void> {
  if (!process.stdout.write(s)) await new Promise((r) => process.stdout.once('drain', r))
}
