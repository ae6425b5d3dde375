/** A real HTTP server serving rows by row version (`?fromRowVersion=N&pageSize=K`), with injectable failures. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ApiRow = { RowVersion: number | string; Id: string; Amount: string; Date: string; Status: string; deleted?: boolean }

export type PagedApi = {
  url: string
  rows: ApiRow[]
  requests: { url: string; headers: IncomingMessage['headers'] }[]
  /** Answers to give before the normal ones, in order: a status (and Retry-After), or a raw body. */
  failures: { status: number; retryAfter?: string; body?: string }[]
  /** Milliseconds each normal page waits before it is answered (a slow upstream). */
  delayMs: number
  close(): Promise<void>
}

export function apiRows(n: number, from = 1): ApiRow[] {
  return Array.from({ length: n }, (_, i) => ({
    RowVersion: from + i,
    Id: `M${from + i}`,
    Amount: `${from + i}.50`,
    Date: new Date(Date.UTC(2026, 0, 1) + (from + i) * 60_000).toISOString(),
    Status: 'SETTLED',
  }))
}

export async function startPagedApi(rows: ApiRow[] = []): Promise<PagedApi> {
  const api: Omit<PagedApi, 'url' | 'close'> = { rows, requests: [], failures: [], delayMs: 0 }
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    api.requests.push({ url: req.url ?? '', headers: req.headers })
    const failure = api.failures.shift()
    if (failure) {
      res.writeHead(failure.status, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {})
      res.end(failure.body ?? '')
      return
    }
    if (api.delayMs > 0) await new Promise((r) => setTimeout(r, api.delayMs))
    const u = new URL(req.url ?? '/', 'http://x')
    const from = BigInt(u.searchParams.get('fromRowVersion') ?? '0')
    const size = Number(u.searchParams.get('pageSize') ?? '100')
    // A row without a row version (a broken upstream) is always served, last.
    const rv = (r: ApiRow) => (r.RowVersion === undefined ? 1n << 64n : BigInt(r.RowVersion))
    const page = api.rows.filter((r) => rv(r) > from).sort((a, b) => (rv(a) < rv(b) ? -1 : 1)).slice(0, size)
    res.writeHead(200, { 'content-type': 'application/json' })
    // Row versions go out as JSON numbers, as Mahak sends them, even past 2^53.
    res.end(JSON.stringify({ data: page.map((r) => (r.RowVersion === undefined ? r : { ...r, RowVersion: `@@${r.RowVersion}@@` })) }).replace(/"@@(\d+)@@"/g, '$1'))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}/api/v1/transactions`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  })
}
