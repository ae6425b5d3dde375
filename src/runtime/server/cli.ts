/** @module `txgate` CLI: a table of sub-commands, each in its own file under commands/. */
import { consumeCommand } from './commands/consume.ts'
import { dlqCommand } from './commands/dlq.ts'
import { ingestCommand } from './commands/ingest.ts'
import { pullCommand } from './commands/pull.ts'
import { schemaCommand } from './commands/schema.ts'
import { signCommand } from './commands/sign.ts'
import { sourcesCommand } from './commands/sources.ts'
import { spoolCommand } from './commands/spool.ts'
import { watchCommand } from './commands/watch.ts'

export type Command = {
  summary: string
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>
}

const COMMANDS: Record<string, Command> = {
  spool: spoolCommand,
  schema: schemaCommand,
  sign: signCommand,
  ingest: ingestCommand,
  watch: watchCommand,
  pull: pullCommand,
  sources: sourcesCommand,
  consume: consumeCommand,
  dlq: dlqCommand,
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  const command = name ? COMMANDS[name] : undefined
  if (!command) {
    const lines = Object.entries(COMMANDS).map(([n, c]) => `  txgate ${n.padEnd(8)} ${c.summary}`)
    const out = `usage: txgate <command> [options]\n\ncommands:\n${lines.join('\n')}\n`
    if (name && name !== 'help' && name !== '--help') {
      process.stderr.write(`txgate: unknown command "${name}"\n\n${out}`)
      return 2
    }
    process.stdout.write(out)
    return 0
  }
  return command.run(rest)
}

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`txgate: ${err instanceof Error ? err.message : String(err)}\n`)
  return 1
})
