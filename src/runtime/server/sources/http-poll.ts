/** @module The http-poll kind: one page of a REST endpoint after a cursor, with auth and retries. */
import type { HttpPollSource } from '../../../sources/kinds/http-poll.ts'
import { TerminalError } from './terminal.ts'

export type Page = {
  rows: Record<string, unknown>[]
  /** The cursor after this page; equal to the one sent when the page brought nothing new. */
  next: string | undefined
  /** No further page is expected now. */
  last: boolean
  /** The answer's size (for txgate_source_bytes_total). */
  bytes: number
}

/** A failure that retrying will not fix (bad credentials, 404, an answer that is not a page). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError'
}

export type FetchEnv = {
  env: Record<string, string | undefined>
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

const TERMINAL_STATUS = new Set([401, 403, 404, 410])

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function createHttpPoller(src: HttpPollSource & { name: string }, fx: FetchEnv) {
  const doFetch = fx.fetch ?? fetch
  const sleep = fx.sleep ?? sleepMs
  const random = fx.random ?? Math.random
  const secret = (name: string) => {
    const v = fx.env[name]
    if (!v) throw new TerminalError(`source "${src.name}": environment variable ${name} is not set`)
    return v
  }
  let oauth: { token: string; until: number } | undefined

  const authHeaders = async (): Promise<Record<string, string>> => {
    const a = src.auth
    switch (a.type) {
      case 'none':
        return {}
      case 'bearer':
        return { authorization: `Bearer ${secret(a.token_env)}` }
      case 'basic':
        return { authorization: `Basic ${btoa(`${secret(a.username_env)}:${secret(a.password_env)}`)}` }
      case 'api_key':
        return { [a.header.toLowerCase()]: secret(a.value_env) }
      case 'oauth2': {
        if (!oauth || oauth.until <= Date.now()) {
          const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: secret(a.client_id_env), client_secret: secret(a.client_secret_env) })
          if (a.scope) body.set('scope', a.scope)
          const res = await withRetries(() => doFetch(a.token_url, { method: 'POST', body, signal: AbortSignal.timeout(src.timeout_ms) }), 'token')
          const json = (await res.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined
          if (typeof json?.access_token !== 'string') throw new PermanentError(`source "${src.name}": the token endpoint answered no access_token`)
          const ttl = typeof json.expires_in === 'number' ? json.expires_in : 300
          // Renewed a minute early, so a token does not expire between two pages.
          oauth = { token: json.access_token, until: Date.now() + Math.max(0, ttl - 60) * 1000 }
        }
        return { authorization: `Bearer ${oauth.token}` }
      }
    }
  }

  /** 5xx, 408, 429 and network errors are retried with exponential backoff and full jitter; Retry-After wins. */
  async function withRetries(call: () => Promise<Response>, what: string): Promise<Response> {
    const { attempts, base_ms, max_ms } = src.retry
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined
      let problem: string
      try {
        res = await call()
        if (res.ok) return res
        problem = `HTTP ${res.status}`
        // Wrong credentials or a wrong URL: no schedule fixes that, an operator does (terminal).
        if (TERMINAL_STATUS.has(res.status)) throw new TerminalError(`source "${src.name}": ${what} answered ${problem}`)
        if (res.status !== 408 && res.status !== 429 && res.status < 500) {
          throw new PermanentError(`source "${src.name}": ${what} answered ${problem}`)
        }
      } catch (err) {
        if (err instanceof PermanentError || err instanceof TerminalError) throw err
        problem = err instanceof Error ? err.message : String(err)
      }
      if (attempt >= attempts) throw new Error(`source "${src.name}": ${what} failed ${attempts} times, last: ${problem}`)
      const backoff = Math.min(max_ms, base_ms * 2 ** (attempt - 1)) * random()
      const after = retryAfterMs(res?.headers.get('retry-after'))
      await res?.body?.cancel().catch(() => undefined)
      // Retry-After is honoured up to 10 minutes; past that the run fails and the next one tries again.
      await sleep(after !== undefined ? Math.min(after, 600_000) : backoff)
    }
  }

  return {
    async page(cursor: string | undefined): Promise<Page> {
      const c = src.cursor
      const url = new URL(src.url)
      const sent = cursor ?? ('start' in c ? c.start : undefined)
      if (sent !== undefined) url.searchParams.set(c.param, sent)
      if (src.page_size_param) url.searchParams.set(src.page_size_param, String(src.page_size))
      const headers = { accept: 'application/json', ...src.headers, ...(await authHeaders()) }
      const res = await withRetries(() => doFetch(url, { headers, signal: AbortSignal.timeout(src.timeout_ms) }), 'page')
      let text = await res.text()
      const bytes = Buffer.byteLength(text)
      if (c.type === 'row_version') {
        // JSON numbers past 2^53 lose digits in JSON.parse: the cursor field's long integers are read as strings.
        const key = (c.field.split('.').pop() ?? c.field).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        text = text.replace(new RegExp(`("${key}"\\s*:\\s*)(\\d{16,})`, 'g'), '$1"$2"')
      }
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw new PermanentError(`source "${src.name}": the page is not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}…)`)
      }
      const rows = src.items ? read(body, src.items) : body
      if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
        throw new PermanentError(`source "${src.name}": ${src.items ? `"${src.items}"` : 'the page'} is not an array of objects`)
      }
      const objects = rows as Record<string, unknown>[]
      if (c.type === 'next_token') {
        const token = read(body, c.field)
        const next = token === undefined || token === null || token === '' ? undefined : String(token)
        return { rows: objects, next: next ?? sent, last: next === undefined, bytes }
      }
      let best = sent
      for (const [i, row] of objects.entries()) {
        const v = read(row, c.field)
        if (v === undefined || v === null || v === '') throw new PermanentError(`source "${src.name}": row ${i + 1} of the page has no cursor field "${c.field}"`)
        const s = String(v)
        if (c.type === 'row_version') {
          if (!/^\d+$/.test(s)) throw new PermanentError(`source "${src.name}": row ${i + 1}: "${c.field}" = ${JSON.stringify(v)} is not a row version`)
          // BigInt: row versions pass 2^53 (SQL Server rowversion is 64-bit).
          if (best === undefined || BigInt(s) > BigInt(best)) best = s
        } else if (best === undefined || Date.parse(s) > Date.parse(best) || Number.isNaN(Date.parse(best))) best = s
      }
      return { rows: objects, next: best, last: objects.length < src.page_size, bytes }
    },
  }
}

function retryAfterMs(h: string | null | undefined): number | undefined {
  if (!h) return undefined
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000
  const t = Date.parse(h)
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now())
}

function read(at: unknown, path: string): unknown {
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined
    at = (at as Record<string, unknown>)[part]
  }
  return at
}
