/**
 * @module POST /sources/v1/{source}/s3-events: S3 / MinIO bucket notifications for an `s3` source
 * with `events`. Answers after the named objects are ingested (200), so a crash before the answer
 * makes the sender retry; a retry of an ingested object is a duplicate, never a second ingest.
 */
import type { Hono } from 'hono'
import type { Deps } from '../deps.ts'
import { timingSafeEqual } from '../auth/timing-safe.ts'
import { BadRequest, InFlight, NotFound, Unauthorized, Unavailable } from '../errors.ts'
import type { AppEnv } from '../middleware/request-context.ts'
import { readBody } from '../pipeline/read-body.ts'
import type { ObjectOutcome, SourceEvents } from './events.ts'
import { parseS3Notification } from './s3-notification.ts'

/** A notification lists a few records; a megabyte is far more than any sender batches. */
const MAX_BODY = 1024 * 1024
const RETRY_AFTER_S = 5

export function mountSourceEventRoutes(app: Hono<AppEnv>, deps: Deps & { sourceEvents?: SourceEvents }): void {
  const events = deps.sourceEvents
  if (!events) return
  const encoder = new TextEncoder()

  app.post('/sources/v1/:source/s3-events', async function s3Events(c) {
    c.set('route', 'source-events')
    const source = c.req.param('source')
    const tokenEnv = events.tokenEnv(source)
    if (tokenEnv === undefined) throw new NotFound(`no source "${source}" accepts S3 events`)
    authenticate(c.req.header('authorization'), deps.settings[tokenEnv], encoder)
    const text = new TextDecoder().decode(await readBody(c.req.raw, MAX_BODY))
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new BadRequest('the body is not JSON')
    }
    const parsed = parseS3Notification(body)
    if (!parsed.ok) throw new BadRequest(parsed.reason)
    const objects = await events.ingest(source, parsed.events)
    const count = (o: ObjectOutcome['outcome']) => objects.filter((x) => x.outcome === o).length
    deps.log.info('source: s3 notification', { source, request_id: c.get('requestId'), records: objects.length, ingested: count('ingested'), duplicates: count('duplicate'), ignored: count('ignored'), failed: count('failed'), retry: count('retry') })
    // The sender retries the whole notification; the objects already done then answer as duplicates.
    if (count('retry') > 0) throw new Unavailable(`${count('retry')} object(s) could not be ingested now: ${objects.find((o) => o.outcome === 'retry')?.reason ?? ''}`, { retryAfter: RETRY_AFTER_S })
    if (count('in_flight') > 0) throw new InFlight('an object named here is being ingested now', { retryAfter: 1 })
    return c.json({ source, records: objects.length, ingested: count('ingested'), duplicates: count('duplicate'), ignored: count('ignored'), failed: count('failed'), objects }, 200)
  })
}

// --- Internal helpers ---

/** `Authorization: Bearer <token>`, compared in constant time; an unset token refuses everyone. */
function authenticate(header: string | undefined, expected: string | undefined, encoder: TextEncoder): void {
  if (!header) throw new Unauthorized('missing_header', 'no Authorization header')
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!m?.[1]) throw new Unauthorized('malformed_header', 'Authorization is not "Bearer <token>"')
  if (!expected) throw new Unauthorized('bad_token', 'the source has no token configured (its token_env is unset)')
  if (!timingSafeEqual(encoder.encode(m[1]), encoder.encode(expected))) throw new Unauthorized('bad_token', 'the token does not match')
}
