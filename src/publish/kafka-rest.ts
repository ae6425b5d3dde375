/** @module Kafka through a REST bridge over fetch (Confluent REST Proxy v3 records API, or v2): the edge's publisher. */
import { toBase64, utf8 } from '../auth/encoding.ts'
import type { Logger } from '../observability/log.ts'
import type { Health } from '../store/types.ts'
import { createBatcher, outcomeError } from './batcher.ts'
import { PublishFailed, type RecordOutcome } from './errors.ts'
import {
  errorMessage,
  isPermanentStatus,
  v2Body,
  v2Outcomes,
  v3Outcomes,
  v3Json,
  type RestApi,
} from './kafka-rest-wire.ts'
import type { OutboundRecord, Publisher, PublishOptions } from './types.ts'

export type KafkaRestOptions = {
  /** Base URL of the bridge, e.g. `https://pkc-xxxx.region.confluent.cloud:443`. */
  url: string
  /** @default 'v3' */
  api?: RestApi
  /** Required by v3 (`/v3/clusters/{cluster_id}/…`). */
  clusterId?: string
  /** Basic credentials (Confluent Cloud: an API key and secret). */
  username?: string
  password?: string
  /**
   * Abort an HTTP request after this long, so a hung bridge frees the (single) in-flight slot.
   * @default 5000
   */
  timeoutMs?: number
  /** @default 2 */
  lingerMs?: number
  /**
   * Concurrent publishes share one produce call (linger batching). Off on workerd, which cancels a
   * request whose promise another request's I/O settles: there each publish() is its own call.
   * @default true
   */
  batching?: boolean
  fetch: typeof fetch
  log?: Logger
}

const V2_CONTENT_TYPE = 'application/vnd.kafka.json.v2+json'
const V2_ACCEPT = 'application/vnd.kafka.v2+json'
const CHUNK_CHARS = 64 * 1024

/** The bridge without batching: one produce call per `send`, with each record's outcome. */
export type KafkaRestClient = {
  readonly kind: string
  send(records: readonly OutboundRecord[]): Promise<RecordOutcome[]>
  ping(): Promise<Health>
}

export function createKafkaRestPublisher(opts: KafkaRestOptions): Publisher {
  return restPublisher(createKafkaRestClient(opts), opts)
}

/** A publisher over a client, so one client can serve both (the edge's queue consumer sends too). */
export function restPublisher(
  client: KafkaRestClient,
  opts: Pick<KafkaRestOptions, 'batching' | 'lingerMs'> = {},
): Publisher {
  const submit =
    opts.batching === false
      ? async (records: readonly OutboundRecord[], publishOpts: PublishOptions = {}) => {
          publishOpts.signal?.throwIfAborted()
          const err = outcomeError(records, await client.send(records))
          if (err) throw err
        }
      : createBatcher({ send: (records) => client.send(records), lingerMs: opts.lingerMs ?? 2 })
  return {
    kind: client.kind,
    publish: (records, publishOpts) => submit(records, publishOpts),
    ping: () => client.ping(),
    async close() {},
  }
}

export function createKafkaRestClient(opts: KafkaRestOptions): KafkaRestClient {
  const { api = 'v3', timeoutMs = 5000, fetch } = opts
  const base = opts.url.replace(/\/+$/, '')
  if (api === 'v3' && !opts.clusterId) throw new Error('the REST v3 API needs a cluster id')
  const auth =
    opts.username !== undefined
      ? `Basic ${toBase64(utf8(`${opts.username}:${opts.password ?? ''}`))}`
      : undefined
  if (api === 'v2') {
    opts.log?.warn(
      'Kafka REST v2 carries no record headers; their values travel inside each message',
    )
  }

  async function post(topic: string, records: readonly OutboundRecord[]): Promise<RecordOutcome[]> {
    const res = await fetch(produceUrl(topic), {
      method: 'POST',
      headers: headers(api === 'v3' ? 'application/json' : V2_CONTENT_TYPE),
      signal: AbortSignal.timeout(timeoutMs),
      ...(api === 'v3' ? v3Body(records) : { body: v2Body(records) }),
    } as RequestInit).catch((err: unknown) => {
      throw new PublishFailed(
        `${api} ${topic}: ${err instanceof Error ? err.message : String(err)}`,
      )
    })
    const text = await res.text()
    if (!res.ok) {
      const reason = `HTTP ${res.status} ${errorMessage(text)}`
      if (!isPermanentStatus(res.status)) throw new PublishFailed(`${api} ${topic}: ${reason}`)
      if (records.length === 1) return [{ ok: false, permanent: true, reason }]
      // The whole request was refused for one bad record (or its size): find which, one at a time.
      const outcomes: RecordOutcome[] = []
      for (const r of records) outcomes.push(...(await post(topic, [r])))
      return outcomes
    }
    const outcomes =
      api === 'v3' ? v3Outcomes(text, records.length) : v2Outcomes(text, records.length)
    if (!outcomes)
      throw new PublishFailed(`${api} ${topic}: unexpected answer ${text.slice(0, 200)}`)
    return outcomes
  }

  /** One request per topic (it is in the URL), all topics at once; outcomes in input order. */
  async function send(records: readonly OutboundRecord[]): Promise<RecordOutcome[]> {
    const byTopic = new Map<string, number[]>()
    records.forEach((r, i) => byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), i]))
    const outcomes = new Array<RecordOutcome>(records.length)
    await Promise.all(
      [...byTopic].map(async ([topic, idx]) => {
        const got = await post(
          topic,
          idx.map((i) => records[i] as OutboundRecord),
        )
        idx.forEach(
          (i, j) => (outcomes[i] = got[j] ?? { ok: false, permanent: false, reason: 'no result' }),
        )
      }),
    )
    return outcomes
  }

  function produceUrl(topic: string): string {
    const t = encodeURIComponent(topic)
    if (api === 'v2') return `${base}/topics/${t}`
    return `${base}/v3/clusters/${encodeURIComponent(opts.clusterId ?? '')}/topics/${t}/records`
  }

  function headers(contentType?: string): Record<string, string> {
    return {
      accept: api === 'v3' ? 'application/json' : V2_ACCEPT,
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(auth ? { authorization: auth } : {}),
    }
  }

  const kind = `kafka-rest-${api}`

  return {
    kind,
    send,
    async ping(): Promise<Health> {
      const path =
        api === 'v3' ? `/v3/clusters/${encodeURIComponent(opts.clusterId ?? '')}` : '/topics'
      const where = new URL(base).host
      try {
        const res = await fetch(base + path, {
          headers: headers(),
          signal: AbortSignal.timeout(timeoutMs),
        })
        await res.body?.cancel()
        return { ok: res.ok, kind, detail: `${where}: HTTP ${res.status}` }
      } catch (err) {
        return {
          ok: false,
          kind,
          detail: `${where}: ${err instanceof Error ? err.message : String(err)}`,
        }
      }
    },
  }
}

// --- Internal helpers ---

/**
 * One record: a plain JSON body. Several: v3's streaming mode, a chunked stream of concatenated
 * records answered by one result per record, in order.
 */
function v3Body(records: readonly OutboundRecord[]): {
  body: string | ReadableStream<Uint8Array>
  duplex?: 'half'
} {
  const lines = records.map((r) => v3Json(r) + '\n')
  if (lines.length === 1) return { body: lines[0] ?? '' }
  const chunks: string[] = []
  let chunk = ''
  for (const line of lines) {
    chunk += line
    if (chunk.length < CHUNK_CHARS) continue
    chunks.push(chunk)
    chunk = ''
  }
  if (chunk) chunks.push(chunk)
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift()
      if (next === undefined) controller.close()
      else controller.enqueue(utf8(next))
    },
  })
  // fetch needs `duplex: 'half'` to send a stream body (undici, and the Fetch standard).
  return { body, duplex: 'half' }
}
