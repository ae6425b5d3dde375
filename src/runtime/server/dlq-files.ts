/**
 * @module Where a server keeps DLQ records: the DLQ topic's records in the spool, the spool's
 * quarantine (`rejected.ndjson`), optionally a dump file; and the re-send ledger beside them.
 */
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseMappingFile } from '../../batch/mapping.ts'
import type { Config, Settings } from '../../config.ts'
import { ResendBusy, type DlqEntry, type DlqPort, type DlqSource, type ResendLedger } from '../../dlq/resend.ts'
import type { KafkaRecord } from '../../publish/types.ts'
import * as files from './spool-files.ts'
import { readSpool } from './spool-reader.ts'

/** What was re-sent, one JSON line per record, fsync'd before the next record goes. */
export const RESENT = 'dlq-resent.ndjson'
const LOCK = 'dlq-resend.lock'

export type DlqFilesOptions = {
  spoolDir: string
  dlqTopic: string
  /** NDJSON of DLQ records from elsewhere (a Kafka DLQ topic's dump): whole records or bare values. */
  file?: string
}

export function createDlqFiles(opts: DlqFilesOptions): DlqSource {
  const { spoolDir: dir } = opts
  // One re-send at a time in this process (so a lock naming our pid is stale); the lock file keeps other processes out.
  let turn: Promise<unknown> = Promise.resolve()
  const takeLock = () =>
    files.takeLock(dir, LOCK, 'the DLQ re-send').catch((err: unknown) => {
      throw err instanceof files.LockHeld ? new ResendBusy(err.message) : err
    })

  return {
    async *entries() {
      for await (const record of readSpool(dir, opts.dlqTopic)) {
        const e = fromRecord(record, 'spool')
        if (e) yield e
      }
      for (const line of await lines(join(dir, files.QUARANTINE))) {
        const q = parse(line) as { quarantined_at?: string; reason?: string; record?: KafkaRecord } | undefined
        if (!q?.record) continue // an unreadable spool line: nothing to re-send
        const e = fromRecord(q.record, 'quarantine', q.reason, q.quarantined_at)
        if (e) yield e
      }
      if (opts.file) {
        for (const line of await lines(opts.file, true)) {
          const v = parse(line) as Record<string, unknown> | undefined
          if (!v) continue
          const record = 'value' in v && 'topic' in v ? (v as KafkaRecord) : dumpRecord(v, opts.dlqTopic)
          const e = fromRecord(record, 'file')
          if (e) yield e
        }
      }
    },
    async resentIds() {
      return new Set(readLedger(await lines(join(dir, RESENT))))
    },
    async openLedger() {
      const ready = turn.then(takeLock)
      let done!: () => void
      turn = ready.then(
        () => new Promise<void>((resolve) => (done = resolve)),
        () => undefined,
      )
      await ready
      const ids = new Set(readLedger(await lines(join(dir, RESENT))))
      const fh = await open(join(dir, RESENT), 'a')
      const ledger: ResendLedger & { close(): Promise<void> } = {
        has: (id) => ids.has(id),
        async mark(id, outcome, eventId) {
          await fh.writeFile(JSON.stringify({ id, outcome, event_id: eventId, at: new Date().toISOString() }) + '\n')
          await fh.datasync()
          ids.add(id)
        },
        async close() {
          await fh.close()
          await files.releaseLock(dir, LOCK)
          done()
        },
      }
      return ledger
    },
  }
}

// --- Internal helpers ---

/** A bare DLQ value (what `kcat -C -t transactions.dlq` prints) as the record it came in. */
function dumpRecord(value: Record<string, unknown>, topic: string): KafkaRecord {
  const s = (k: string) => (typeof value[k] === 'string' ? (value[k] as string) : '')
  return {
    topic,
    key: `${s('provider')}:${s('idempotency_key') || s('event_id')}`,
    headers: { event_id: s('event_id'), provider: s('provider'), source: s('source') },
    value: value as KafkaRecord['value'],
  }
}

function fromRecord(record: KafkaRecord, origin: DlqEntry['origin'], reason?: string, at?: string): DlqEntry | undefined {
  const v = record.value as unknown as Record<string, unknown> | null
  if (typeof v !== 'object' || v === null) return undefined
  const id = typeof v['event_id'] === 'string' ? v['event_id'] : record.headers?.['event_id']
  if (!id) return undefined
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined)
  const when = at ?? str(v['failed_at']) ?? str(v['ingestion_timestamp']) ?? ''
  return {
    id,
    key: origin === 'quarantine' ? `${id}@${when}` : id,
    origin,
    at: when,
    provider: str(v['provider']) ?? record.headers?.['provider'] ?? '',
    reason: reason ?? str(v['reason']) ?? '',
    record,
  }
}

function* readLedger(ls: readonly string[]): Generator<string> {
  for (const l of ls) {
    const id = (parse(l) as { id?: unknown } | undefined)?.id
    if (typeof id === 'string') yield id
  }
}

async function lines(path: string, required = false): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean)
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined // a torn last line
  }
}

/** The gateway's DLQ port: its spool directory, and TXGATE_BATCH_MAPPINGS for file rows. */
export async function serverDlqPort(config: Config, settings: Settings, file?: string): Promise<DlqPort> {
  const mappingsFile = settings['TXGATE_BATCH_MAPPINGS']
  const mappings = mappingsFile ? parseMappingFile(await readFile(mappingsFile, 'utf8')) : undefined
  return {
    source: createDlqFiles({ spoolDir: config.spoolDir, dlqTopic: config.topics.dlq, ...(file ? { file } : {}) }),
    ...(mappings ? { mappings } : {}),
  }
}
