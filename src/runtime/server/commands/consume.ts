/** @module `txgate consume <source>`: run one queue source of sources.yaml until SIGTERM / SIGINT, then stop gracefully. */
import type { Settings } from '../../../config.ts'
import type { Command } from '../cli.ts'
import { buildServerDeps } from '../deps.ts'
import { isQueueSource } from '../../../sources/config.ts'
import { loadSourcesFile } from '../sources/open.ts'
import { checkQueueSource, startQueueConsumer } from '../sources/consumers.ts'

const USAGE = 'usage: txgate consume <source>\nruns until SIGTERM or SIGINT: stops fetching, finishes and acks in-flight messages, closes; exit 0 (1: the broker could not be reached, 2: usage or configuration)\n'

const COUNTERS = {
  consumed: 'txgate_queue_consumed_total',
  published: 'txgate_queue_published_total',
  duplicates: 'txgate_queue_duplicates_total',
  dlq: 'txgate_queue_dlq_total',
  ignored: 'txgate_queue_ignored_total',
  redelivered: 'txgate_queue_redelivered_total',
  retries: 'txgate_queue_retries_total',
} as const

export const consumeCommand: Command = {
  summary: 'consume one queue source (rabbitmq, kafka, nats) of sources.yaml until SIGTERM/SIGINT: consume <source>',
  async run(args) {
    const name = args[0]
    if (!name || name.startsWith('-') || args.length > 1) return usage('one source name is required')
    const settings: Settings = { LOG_LEVEL: 'warn', ...process.env }
    const loaded = await loadSourcesFile(settings)
    if ('problem' in loaded) return usage(loaded.problem)
    const { sources } = loaded
    const src = sources.find((s) => s.name === name)
    const queues = sources.filter(isQueueSource).map((s) => s.name)
    if (!src || !isQueueSource(src)) {
      const what = src ? `"${name}" is a ${src.kind} source: pull it (txgate pull ${name})` : `no source "${name}"`
      return usage(`${what} (queue sources: ${queues.join(', ') || 'none'})`)
    }
    const deps = await buildServerDeps(settings, (line) => process.stderr.write(line + '\n'))
    try {
      checkQueueSource(src, deps)
    } catch (err) {
      await deps.close()
      return usage(err instanceof Error ? err.message : String(err))
    }
    let stopSignal: ((sig: string) => void) | undefined
    const signalled = new Promise<string>((resolve) => (stopSignal = resolve))
    const onSignal = (sig: NodeJS.Signals) => stopSignal?.(sig)
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
    try {
      let running
      try {
        running = await startQueueConsumer(src, deps)
      } catch (err) {
        process.stderr.write(`txgate consume: ${name}: ${err instanceof Error ? err.message : String(err)}\n`)
        return 1
      }
      process.stderr.write(`txgate: consuming ${name} (${src.kind}); SIGTERM or SIGINT stops it\n`)
      const sig = await signalled
      process.stderr.write(`txgate: ${sig} received, finishing in-flight messages of ${name}\n`)
      await running.stop()
      process.stdout.write(JSON.stringify({ source: name, kind: src.kind, ...(await counts(deps.metrics, name)) }) + '\n')
      return 0
    } finally {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
      await deps.close()
    }
  },
}

/** This run's counters for the source, read from the metrics registry. */
async function counts(metrics: import('../../../observability/metrics.ts').Metrics | undefined, source: string): Promise<Record<keyof typeof COUNTERS, number>> {
  const snap = metrics ? await metrics.collect() : { families: [] }
  const out = {} as Record<keyof typeof COUNTERS, number>
  for (const [k, metric] of Object.entries(COUNTERS) as [keyof typeof COUNTERS, string][]) {
    const fam = snap.families.find((f) => f.name === metric)
    out[k] = fam?.series.find((s) => s.labels['source'] === source)?.value ?? 0
  }
  return out
}

function usage(problem: string): number {
  process.stderr.write(`txgate consume: ${problem}\n${USAGE}`)
  return 2
}
