/**
 * @module `/admin/dlq`: list, show and re-send DLQ and quarantine records, behind
 * TXGATE_DLQ_ADMIN_TOKEN. The routes do not exist (404) while the token is unset: re-sending
 * publishes, so it is never open, not even on a private network.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps.ts'
import { BadRequest, GatewayError, NotFound } from '../errors.ts'
import { adminAuth } from '../middleware/admin-auth.ts'
import type { AppEnv } from '../middleware/request-context.ts'
import { findEntries, parseSince, resend, ResendBusy, type DlqEntry, type DlqFilter, type DlqPort } from './resend.ts'

export const DLQ_ADMIN_TOKEN = 'TXGATE_DLQ_ADMIN_TOKEN'

const Filter = z
  .object({
    provider: z.string().min(1).max(64).optional(),
    reason: z.string().min(1).max(200).optional(),
    since: z.string().min(1).max(40).optional(),
    id: z.string().min(1).max(64).optional(),
    origin: z.enum(['spool', 'quarantine', 'file']).optional(),
  })
  .strict()
const ResendBody = Filter.extend({ dry_run: z.boolean().optional() }).strict()
const LIST_LIMIT = 1000

export function mountDlqRoutes(app: Hono<AppEnv>, deps: Deps & { dlq?: DlqPort }): void {
  const port = deps.dlq
  const token = deps.settings[DLQ_ADMIN_TOKEN]
  if (!port || !token) return
  const r = new Hono<AppEnv>()
  r.use('*', adminAuth({ token, log: deps.log }))

  const filterOf = (given: unknown, schema: typeof Filter | typeof ResendBody = Filter): DlqFilter & { dryRun: boolean } => {
    const parsed = schema.safeParse(given)
    if (!parsed.success) throw new BadRequest(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
    const { since, dry_run: dryRun = false, ...rest } = parsed.data as z.infer<typeof ResendBody>
    if (since === undefined) return { ...rest, dryRun }
    const at = parseSince(since, deps.clock())
    if (at === undefined) throw new BadRequest('since: an RFC 3339 time or a duration like 90m, 2h, 7d')
    return { ...rest, since: at, dryRun }
  }

  r.get('/', async (c) => {
    const entries = await findEntries(port.source, filterOf(c.req.query()))
    const resent = await port.source.resentIds()
    return c.json(
      { count: entries.length, entries: entries.slice(0, LIST_LIMIT).map((e) => summary(e, resent)), truncated: entries.length > LIST_LIMIT },
      200,
      { 'cache-control': 'no-store' },
    )
  })

  r.get('/:id', async (c) => {
    const id = c.req.param('id')
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new BadRequest('id: an event id')
    const [e] = await findEntries(port.source, { id })
    if (!e) throw new NotFound(`no DLQ or quarantine record ${id}`)
    return c.json({ ...summary(e, await port.source.resentIds()), record: e.record }, 200, { 'cache-control': 'no-store' })
  })

  r.post('/resend', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new BadRequest('the body must be a JSON object of filters, e.g. {"provider":"stripe","dry_run":true}')
    })
    const { dryRun, ...filter } = filterOf(body, ResendBody)
    const report = await resend({ ...deps, ...(port.mappings ? { mappings: port.mappings } : {}) }, port.source, filter, { dryRun }).catch(
      (err: unknown) => {
        // `txgate dlq resend` in another process holds the ledger: not a gateway fault, try again.
        throw err instanceof ResendBusy ? new ResendRunning(err.message, { retryAfter: BUSY_RETRY_S }) : err
      },
    )
    deps.log.info('DLQ re-send over the admin endpoint', {
      event: 'dlq_resend_admin',
      request_id: c.get('requestId'),
      dry_run: dryRun,
      matched: report.matched,
      published: report.published,
      still_failing: report.still_failing,
      already_published: report.already_published,
    })
    return c.json(report, 200, { 'cache-control': 'no-store' })
  })

  app.route('/admin/dlq', r)
}

// --- Internal helpers ---

const BUSY_RETRY_S = 10

class ResendRunning extends GatewayError {
  override readonly code = 'resend_running'
  override readonly status = 409
  override readonly title = 'Another DLQ re-send is running'
}

function summary(e: DlqEntry, resent: ReadonlySet<string>) {
  return { id: e.id, origin: e.origin, at: e.at, provider: e.provider, reason: e.reason, topic: e.record.topic, resent: resent.has(e.key) }
}
