/**
 * A local Kafka REST bridge that keeps the produce contracts of Confluent REST Proxy: v3
 * `POST /v3/clusters/{id}/topics/{t}/records` (one record, or a stream of concatenated records
 * answered by one result each with `error_code`) and v2 `POST /topics/{t}` in the JSON embedded
 * format (`offsets[]` with `error_code` 1/2 per record). Errors are `{error_code, message}` with
 * the statuses the proxy uses. Switches: `mode` ('error' answers 500, 'hang' never answers),
 * `reject` (one record refused), credentials. It stores what it acknowledged, for tests to read.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { parseJsonStream } from '../../src/publish/kafka-rest-wire.ts'

export type StoredRecord = {
  topic: string
  partition: number
  offset: number
  /** The key bytes as UTF-8 (a v2 JSON key keeps its quotes, as Kafka would store it). */
  key: string | null
  value: unknown
  headers: Record<string, string>
}

export type DoubleOptions = {
  clusterId?: string
  /** Topics that exist; produce to any other answers 404. */
  topics?: string[]
  partitions?: number
  credentials?: { username: string; password: string }
  /** Listen here (a restarted bridge at its old address); a free port by default. */
  port?: number
}

export type KafkaRestDouble = {
  readonly url: string
  readonly clusterId: string
  mode: 'healthy' | 'error' | 'hang'
  /** Refuses a record (status 400/413/422 blames it; 5xx is retriable) when it returns one. */
  reject?: (r: StoredRecord) => { status: number; message: string } | undefined
  createTopic(name: string): void
  records(topic?: string): StoredRecord[]
  /** Produce requests received, and the records in each. */
  readonly requests: number[]
  /** TCP connections accepted so far (a client that reuses connections opens few). */
  readonly connections: number
  close(): Promise<void>
}

const V2_JSON = 'application/vnd.kafka.json.v2+json'

export async function startKafkaRestDouble(opts: DoubleOptions = {}): Promise<KafkaRestDouble> {
  const clusterId = opts.clusterId ?? 'lkc-double'
  const partitions = opts.partitions ?? 3
  const topics = new Set(opts.topics ?? [])
  const stored: StoredRecord[] = []
  const offsets = new Map<string, number>()
  const sockets = new Set<Socket>()
  const requests: number[] = []
  let connections = 0

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) =>
      send(res, 500, { error_code: 500, message: String(err) }),
    )
  })
  server.on('connection', (s) => {
    connections += 1
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const double: KafkaRestDouble = {
    url: `http://127.0.0.1:${port}`,
    clusterId,
    mode: 'healthy',
    createTopic: (name) => void topics.add(name),
    records: (topic) => stored.filter((r) => topic === undefined || r.topic === topic),
    requests,
    get connections() {
      return connections
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    if (double.mode === 'hang') return // the socket stays open, unanswered
    const v2 = !(req.url ?? '').startsWith('/v3/')
    if (opts.credentials && req.headers.authorization !== basic(opts.credentials)) {
      res.setHeader('www-authenticate', 'Basic realm="kafka-rest"')
      return send(res, 401, { error_code: v2 ? 40101 : 401, message: 'Unauthorized' })
    }
    if (double.mode === 'error') {
      return send(
        res,
        500,
        v2
          ? { error_code: 50002, message: 'Kafka error: broker unavailable' }
          : { error_code: 500, message: 'Internal Server Error' },
      )
    }
    const v3 = /^\/v3\/clusters\/([^/]+)(?:\/topics\/([^/]+)\/records)?$/.exec(req.url ?? '')
    const v2m = /^\/topics(?:\/([^/]+))?$/.exec(req.url ?? '')
    if (v3 && req.method === 'GET' && !v3[2]) {
      if (decodeURIComponent(v3[1] ?? '') !== clusterId)
        return send(res, 404, { error_code: 404, message: `Cluster ${v3[1]} cannot be found.` })
      return send(res, 200, { kind: 'KafkaCluster', cluster_id: clusterId })
    }
    if (v3 && req.method === 'POST' && v3[2])
      return produceV3(req, res, decodeURIComponent(v3[1] ?? ''), decodeURIComponent(v3[2]), body)
    if (v2m && req.method === 'GET' && !v2m[1])
      return send(res, 200, [...topics], 'application/vnd.kafka.v2+json')
    if (v2m && req.method === 'POST' && v2m[1])
      return produceV2(req, res, decodeURIComponent(v2m[1]), body)
    return send(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' })
  }

  function produceV3(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: string,
    topic: string,
    body: string,
  ): void {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(res, 415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
    }
    if (cluster !== clusterId)
      return send(res, 404, { error_code: 404, message: `Cluster ${cluster} cannot be found.` })
    if (!topics.has(topic))
      return send(res, 404, {
        error_code: 404,
        message: 'This server does not host this topic-partition.',
      })
    const items = parseJsonStream(body)
    if (!items || items.length === 0)
      return send(res, 400, { error_code: 400, message: 'Bad Request: Unexpected end-of-input' })
    requests.push(items.length)
    const results = items.map((item) => {
      const r = decodeV3(topic, item)
      if (typeof r === 'string') return { error_code: 400, message: `Bad Request: ${r}` }
      const refused = double.reject?.(r)
      if (refused) return { error_code: refused.status, message: refused.message }
      const kept = store(r)
      return {
        error_code: 200,
        cluster_id: clusterId,
        topic_name: topic,
        partition_id: kept.partition,
        offset: kept.offset,
        timestamp: new Date().toISOString(),
      }
    })
    // One record: its own status. Several (streaming mode): 200 and one result per record.
    const [only] = results
    if (results.length === 1 && only && only.error_code !== 200)
      return send(res, only.error_code, only)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(results.map((r) => JSON.stringify(r)).join('\n'))
  }

  function produceV2(req: IncomingMessage, res: ServerResponse, topic: string, body: string): void {
    if (req.headers['content-type'] !== V2_JSON)
      return send(res, 415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
    if (!topics.has(topic))
      return send(res, 404, { error_code: 40401, message: 'Topic not found.' })
    let parsed: { records?: unknown }
    try {
      parsed = JSON.parse(body) as { records?: unknown }
    } catch {
      return send(res, 400, { error_code: 400, message: 'Unexpected character' })
    }
    if (!Array.isArray(parsed.records) || parsed.records.length === 0)
      return send(res, 422, { error_code: 422, message: 'records may not be empty' })
    requests.push(parsed.records.length)
    const out = (parsed.records as { key?: unknown; value?: unknown }[]).map((rec) => {
      const r: StoredRecord = {
        topic,
        partition: 0,
        offset: 0,
        key: rec.key === undefined ? null : JSON.stringify(rec.key),
        value: rec.value,
        headers: {},
      }
      const refused = double.reject?.(r)
      if (refused)
        return {
          partition: null,
          offset: null,
          error_code: refused.status >= 500 ? 2 : 1,
          error: refused.message,
        }
      const kept = store(r)
      return { partition: kept.partition, offset: kept.offset, error_code: null, error: null }
    })
    send(
      res,
      200,
      { key_schema_id: null, value_schema_id: null, offsets: out },
      'application/vnd.kafka.v2+json',
    )
  }

  function store(r: StoredRecord): StoredRecord {
    const partition = r.key === null ? 0 : fnv1a(r.key) % partitions
    const slot = `${r.topic}/${partition}`
    const offset = offsets.get(slot) ?? 0
    offsets.set(slot, offset + 1)
    const kept = { ...r, partition, offset }
    stored.push(kept)
    return kept
  }

  return double
}

// --- Internal helpers ---

/** A v3 ProduceRequest → the record Kafka would store, or what is wrong with it. */
function decodeV3(topic: string, item: unknown): StoredRecord | string {
  const req = item as {
    key?: { type?: string; data?: unknown }
    value?: { type?: string; data?: unknown }
    headers?: unknown
  }
  const key = req.key === undefined ? null : data(req.key)
  const value = req.value === undefined ? null : data(req.value)
  if (key instanceof Error) return key.message
  if (value instanceof Error) return value.message
  const headers: Record<string, string> = {}
  if (req.headers !== undefined && !Array.isArray(req.headers)) return 'headers must be an array'
  for (const h of (req.headers ?? []) as { name?: unknown; value?: unknown }[]) {
    if (typeof h.name !== 'string' || typeof h.value !== 'string' || !isBase64(h.value))
      return 'Payload error. Invalid header'
    headers[h.name] = Buffer.from(h.value, 'base64').toString('utf8')
  }
  const parsedValue = req.value?.type === 'JSON' ? req.value.data : value
  return {
    topic,
    partition: 0,
    offset: 0,
    key: key === null ? null : String(key),
    value: parsedValue,
    headers,
  }
}

function data(d: { type?: string; data?: unknown }): string | Error {
  if (d.type === 'BINARY') {
    if (typeof d.data !== 'string' || !isBase64(d.data))
      return new Error('Payload error. Invalid base64 string')
    return Buffer.from(d.data, 'base64').toString('utf8')
  }
  if (d.type === 'STRING')
    return typeof d.data === 'string' ? d.data : new Error('Payload error. Expected a string')
  if (d.type === 'JSON') return JSON.stringify(d.data)
  return new Error(`Payload error. Unknown type ${String(d.type)}`)
}

const isBase64 = (s: string) =>
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)

const basic = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`

function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return h
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(JSON.stringify(body))
}
