/** @module `txgate spool dump|replay`: look at what the spool holds, or hand it to Kafka by hand. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../../../config.ts'
import { createLogger } from '../../../observability/log.ts'
import { deliver, settleBatch } from '../../../publish/deliver.ts'
import type { Command } from '../cli.ts'
import { openKafkaPublisher } from '../publisher.ts'
import { openSpool, readSpool } from '../spool.ts'
import { QUARANTINE } from '../spool-files.ts'
import { createSpoolBacklog } from '../spool-publisher.ts'

const USAGE =
  'usage: txgate spool dump [--topic T] [--rejected] [--dir D]\n' +
  '       txgate spool replay [--dir D]   (into KAFKA_BROKERS or KAFKA_REST_URL)\n'

export const spoolCommand: Command = {
  summary: 'spool dump [--topic T] [--rejected]: what waits for Kafka; spool replay: send it now',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        topic: { type: 'string' },
        dir: { type: 'string' },
        rejected: { type: 'boolean' },
      },
    })
    const dir = values.dir ?? loadConfig(process.env).spoolDir
    if (positionals[0] === 'dump')
      return values.rejected ? dumpRejected(dir) : dump(dir, values.topic)
    if (positionals[0] === 'replay') return replay(dir)
    process.stderr.write(USAGE)
    return 2
  },
}

// --- Internal helpers ---

async function dump(dir: string, topic: string | undefined): Promise<number> {
  for await (const record of readSpool(dir, topic)) {
    const { topic: t, key, headers, value } = record
    await write(JSON.stringify({ topic: t, key, headers, value }) + '\n')
  }
  return 0
}

async function dumpRejected(dir: string): Promise<number> {
  const text = await readFile(join(dir, QUARANTINE), 'utf8').catch(() => '')
  await write(text)
  return 0
}

/** Replays the spool in order; stops at the first batch Kafka does not acknowledge (exit 1). */
async function replay(dir: string): Promise<number> {
  const config = loadConfig(process.env)
  const log = createLogger('warn', (line) => process.stderr.write(line + '\n'), Date.now)
  const primary = await openKafkaPublisher(config, process.env, log)
  if (!primary) {
    process.stderr.write(
      'txgate: set KAFKA_BROKERS or KAFKA_REST_URL to replay the spool into Kafka\n',
    )
    return 2
  }
  const spool = await openSpool({ dir, maxBytes: config.spoolMaxBytes }).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)} (a running gateway replays its spool itself)`,
    )
  })
  const backlog = createSpoolBacklog(spool)
  let sent = 0
  let refused = 0
  try {
    for (;;) {
      const batch = await backlog.next(config.publish.replayBatch)
      if (!batch) break
      const d = await deliver(primary, batch.records, config.publish.timeoutMs)
      if (d.kind === 'failed') {
        process.stderr.write(
          `txgate: replay stopped, Kafka did not acknowledge: ${d.error.message}\n` +
            `txgate: ${sent} record(s) replayed, ${spool.size()} bytes still in the spool\n`,
        )
        return 1
      }
      const rejected = d.kind === 'rejected' ? d.rejections.length : 0
      await settleBatch(backlog, batch, d)
      sent += batch.records.length - rejected
      refused += rejected
    }
    await write(`replayed ${sent} record(s) into Kafka through ${primary.kind}\n`)
    if (refused > 0)
      await write(`${refused} record(s) refused by Kafka, kept in ${join(dir, QUARANTINE)}\n`)
    return 0
  } finally {
    await primary.close()
    await spool.close()
  }
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r))
}
