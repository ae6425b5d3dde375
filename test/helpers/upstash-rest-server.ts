/**
 * The part of Upstash's REST protocol `@upstash/redis` uses, served on loopback and forwarded to a
 * real Redis through ioredis — so the REST client is tested against Redis's own answers, not mocks.
 *
 * - `POST /` with a JSON array (one command) → `{"result": …}`, or HTTP 400 `{"error": "…"}`;
 * - `POST /pipeline` with an array of commands → `[{"result": …} | {"error": "…"}, …]` (HTTP 200);
 * - `POST /multi-exec` → the same, run in MULTI/EXEC;
 * - `Authorization: Bearer <token>`, else HTTP 401 `{"error": "Unauthorized"}`;
 * - `Upstash-Encoding: base64`: every string in a result is base64 (UTF-8), except a bare `OK`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'

export type UpstashRestServer = {
  url: string
  token: string
  /** Requests served, by path, for tests that count round trips. */
  requests: Record<string, number>
  close(): Promise<void>
}

type Reply = { result: unknown } | { error: string }

export async function startUpstashRestServer(
  opts: { redisUrl?: string; token?: string } = {},
): Promise<UpstashRestServer> {
  const token = opts.token ?? `test-token-${crypto.randomUUID()}`
  const redis = new Redis(opts.redisUrl ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
  await redis.connect()
  const requests: Record<string, number> = {}

  const run = async (command: unknown): Promise<Reply> => {
    if (!Array.isArray(command) || command.length === 0)
      return { error: 'ERR command must be a non-empty array' }
    const [name, ...args] = command.map((part: unknown) => String(part))
    try {
      return { result: await redis.call(name ?? '', ...args) }
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) }
    }
  }

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      requests[path] = (requests[path] ?? 0) + 1
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, { error: 'Unauthorized' })
      if (req.method !== 'POST') return send(405, { error: 'ERR only POST is served here' })
      let body: unknown
      try {
        body = JSON.parse(await readAll(req))
      } catch {
        return send(400, { error: 'ERR body is not JSON' })
      }
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
      const encode = (r: Reply): Reply =>
        'result' in r && base64 ? { result: toBase64(r.result) } : r

      if (path === '/') {
        const reply = await run(body)
        return send('error' in reply ? 400 : 200, encode(reply))
      }
      if (path === '/pipeline' || path === '/multi-exec') {
        if (!Array.isArray(body))
          return send(400, { error: 'ERR body must be an array of commands' })
        if (path === '/multi-exec') {
          const commands = body.map((c: unknown) =>
            Array.isArray(c) ? c.map((part: unknown) => String(part)) : [],
          )
          const results = (await redis.multi(commands as [string, ...string[]][]).exec()) ?? []
          return send(
            200,
            results.map(([err, result]) => encode(err ? { error: err.message } : { result })),
          )
        }
        const replies: Reply[] = []
        for (const command of body) replies.push(await run(command))
        return send(200, replies.map(encode))
      }
      return send(404, { error: `ERR unknown path ${path}` })
    })().catch((err: unknown) => send(500, { error: String(err) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      redis.disconnect()
    },
  }
}

function toBase64(value: unknown): unknown {
  if (typeof value === 'string')
    return value === 'OK' ? value : Buffer.from(value, 'utf8').toString('base64')
  if (Array.isArray(value)) return value.map(toBase64)
  return value
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
