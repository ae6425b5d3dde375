/** @module Admin routes of the batch path: POST a file (202 + job id), GET a job's progress and result. */
import { zValidator } from '@hono/zod-validator'
import { Hono } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps.ts'
import { BadRequest, NotFound, UnknownProvider } from '../errors.ts'
import type { AppEnv } from '../middleware/request-context.ts'
import { createBatchAuth, type BatchCaller } from './auth.ts'
import type { BatchRunner } from './runner.ts'

export { ADMIN_TOKEN } from './auth.ts'

/** The app's variables plus who was let in, for the job's log line. */
type BatchEnv = { Variables: AppEnv['Variables'] & { caller: BatchCaller } }

const UploadQuery = z.object({
  /** The file's name; its extension tells the format (`.csv.gz`, `.ndjson`, `.parquet`). */
  name: z.string().regex(/^[^/\\]{1,255}$/, 'a file name, without a path').optional(),
  force: z.enum(['true', 'false']).optional(),
})
const JobParam = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'a job id') })

/** Mounts the routes when the runtime provides a BatchRunner (server runtimes; not the edge). */
export function mountBatchRoutes(app: Hono<AppEnv>, deps: Deps & { batch?: BatchRunner }): void {
  const runner = deps.batch
  if (!runner) return
  const auth = createBatchAuth(deps.settings, deps.fetch)
  if (auth.warning) deps.log.warn(auth.warning, { event: 'batch_auth_config' })
  const batch = new Hono<BatchEnv>()
  const invalid = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
    if (!r.success) throw new BadRequest(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? 'invalid request')
  }

  batch.use('*', async function batchAuth(c, next) {
    // A refusal is logged once, by the error handler, as `auth_failure` with this route.
    c.set('route', 'batch')
    const outcome = await auth.authenticate(c.req.raw, deps.clock())
    if (!outcome.ok) throw outcome.error
    c.set('caller', outcome.caller)
    await next()
  })

  batch.post('/:provider/files', zValidator('query', UploadQuery, invalid), async (c) => {
    const provider = c.req.param('provider')
    if (!runner.accepts(provider)) throw new UnknownProvider(`no batch mapping for provider "${provider}"`)
    const body = c.req.raw.body
    if (!body) throw new BadRequest('the request has no body: send the file as the body')
    const checksumHeader = c.req.header('txgate-checksum')
    const checksum = checksumHeader === undefined ? undefined : parseSha256(checksumHeader)
    if (checksumHeader !== undefined && checksum === undefined) {
      throw new BadRequest('txgate-checksum must be sha256:<64 hex digits>')
    }
    const query = c.req.valid('query')
    const traceparent = c.req.header('traceparent')
    const job = await runner.submit({
      provider,
      name: query.name ?? `upload-${provider}`,
      body,
      force: query.force === 'true',
      ...(checksum ? { checksum } : {}),
      ...(traceparent ? { traceparent } : {}),
    })
    const caller = c.get('caller')
    deps.log.info('batch: file accepted', {
      event: 'batch_upload',
      request_id: c.get('requestId'),
      job_id: job.id,
      provider,
      file: job.file,
      auth: caller.via,
      ...(caller.via === 'jwt' ? { sub: caller.sub } : {}),
    })
    c.header('location', `/batch/v1/jobs/${job.id}`)
    return c.json({ job_id: job.id, state: job.state, status_url: `/batch/v1/jobs/${job.id}` }, 202)
  })

  batch.get('/jobs/:id', zValidator('param', JobParam, invalid), (c) => {
    const job = runner.get(c.req.valid('param').id)
    if (!job) throw new NotFound('no such job (jobs are kept in memory by the instance that ran them)')
    return c.json(job)
  })

  app.route('/batch/v1', batch)
}

function parseSha256(value: string): string | undefined {
  const hex = value.trim().replace(/^sha-?256:/i, '').toLowerCase()
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined
}
