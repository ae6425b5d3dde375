/** @module sources.yaml → validated sources; an error names the file and line, the source and the field. */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { z } from 'zod'
import { BatchMappingSchema } from '../batch/mapping.ts'
import { BreakerSchema } from './breaker.ts'
import { ScheduleSchema } from './schedule.ts'
import { HttpPollSchema } from './kinds/http-poll.ts'
import { S3Schema } from './kinds/s3.ts'
import { SftpSchema } from './kinds/sftp.ts'
import { KafkaSchema } from './kinds/kafka.ts'
import { NatsSchema } from './kinds/nats.ts'
import { RabbitMqSchema } from './kinds/rabbitmq.ts'

const common = {
  /** The provider id the messages carry; its module's batch mapping is used unless `mapping` is given. */
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  mapping: BatchMappingSchema.optional(),
  /** A cron expression (croner); absent = pulled only by `txgate pull`. */
  schedule: ScheduleSchema.optional(),
  /** Consecutive failed runs that open the source's circuit, and its cool-down before a trial. */
  breaker: BreakerSchema,
}

/** One line per kind: a new kind is a file under kinds/ and an entry here. */
export const SourceSchema = z.discriminatedUnion('kind', [
  HttpPollSchema.extend(common),
  S3Schema.extend(common),
  // sftp's schema has refinements (a pinned host key, some credential): zod extends those only safely.
  SftpSchema.safeExtend(common),
  // Queue kinds are consumed, not pulled: their shared fields are queue/schema.ts's queueCommon.
  RabbitMqSchema,
  KafkaSchema,
  NatsSchema,
])

export type SourceConfig = z.infer<typeof SourceSchema> & { name: string }

/** Kinds consumed continuously (`txgate consume`, the gateway) rather than pulled on a schedule. */
export const QUEUE_KINDS = ['rabbitmq', 'kafka', 'nats'] as const
export type QueueSourceConfig = Extract<SourceConfig, { kind: (typeof QUEUE_KINDS)[number] }>
export type PullSourceConfig = Exclude<SourceConfig, QueueSourceConfig>

export function isQueueSource(s: SourceConfig): s is QueueSourceConfig {
  return (QUEUE_KINDS as readonly string[]).includes(s.kind)
}

export class SourcesConfigError extends Error {
  override readonly name = 'SourcesConfigError'
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/

/** Parses a sources file (`{ sources: { <name>: {...} } }`); throws with every issue, each at its line. */
export function parseSources(text: string, file = 'sources.yaml'): SourceConfig[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines })
  const at = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1)
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    throw new SourcesConfigError(`${file}:${e?.linePos?.[0]?.line ?? 1}: not valid YAML: ${e?.message.split('\n')[0] ?? ''}`)
  }
  const root = doc.toJS() as unknown
  if (root === null || root === undefined) return []
  const sources = (root as { sources?: unknown }).sources
  if (typeof root !== 'object' || Array.isArray(root) || sources === undefined || typeof sources !== 'object' || sources === null || Array.isArray(sources)) {
    throw new SourcesConfigError(`${file}:${at(doc.contents)}: expected a mapping "sources: { <name>: {...} }"`)
  }
  const issues: string[] = []
  const out: SourceConfig[] = []
  for (const [name, raw] of Object.entries(sources as Record<string, unknown>)) {
    if (!SOURCE_NAME.test(name)) {
      issues.push(`${file}:${at(nodeAt(doc, ['sources', name]))}: source "${name}": a name is lower case letters, digits, "-" and "_"`)
      continue
    }
    const parsed = SourceSchema.safeParse(raw)
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const path = i.path.map(String)
        issues.push(`${file}:${at(deepestNode(doc, ['sources', name, ...path]))}: source "${name}", field ${path.join('.') || '(root)'}: ${i.message}`)
      }
      continue
    }
    out.push({ ...parsed.data, name })
  }
  if (issues.length > 0) throw new SourcesConfigError(issues.join('\n'))
  return out
}

/** Reads TXGATE_SOURCES (default ./sources.yaml); an absent default file means no sources. */
export async function loadSources(settings: Record<string, string | undefined>, read: (path: string) => Promise<string>): Promise<SourceConfig[]> {
  const explicit = settings['TXGATE_SOURCES']
  const path = explicit || './sources.yaml'
  let text: string
  try {
    text = await read(path)
  } catch (err) {
    if (!explicit && (err as { code?: string }).code === 'ENOENT') return []
    throw new SourcesConfigError(`${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  return parseSources(text, path.split('/').pop() ?? path)
}

// --- Internal helpers ---

function nodeAt(doc: Document, path: string[]): Node | undefined {
  const n = doc.getIn(path, true)
  return n && typeof n === 'object' ? (n as Node) : undefined
}

/** The node of the path, or of its longest existing prefix (a missing field points at its parent). */
function deepestNode(doc: Document, path: string[]): Node | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = nodeAt(doc, path.slice(0, n))
    if (node && (isMap(node) || isSeq(node) || 'range' in node)) return node
  }
  return undefined
}
