/** @module `txgate spool dump [--topic T] [--dir D]`: spooled records, one JSON object a line. */
import { parseArgs } from 'node:util'
import { loadConfig } from '../../../config.ts'
import type { Command } from '../cli.ts'
import { readSpool } from '../spool.ts'

export const spoolCommand: Command = {
  summary: 'dump the spooled records: spool dump [--topic T] [--dir D]',
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { topic: { type: 'string' }, dir: { type: 'string' } },
    })
    if (positionals[0] !== 'dump') {
      process.stderr.write('usage: txgate spool dump [--topic T] [--dir D]\n')
      return 2
    }
    const dir = values.dir ?? loadConfig(process.env).spoolDir
    for await (const record of readSpool(dir, values.topic)) {
      const line = JSON.stringify({ topic: record.topic, key: record.key, headers: record.headers, value: record.value })
      if (!process.stdout.write(line + '\n')) await new Promise((r) => process.stdout.once('drain', r))
    }
    return 0
  },
}
