/** @module createApp(deps): the route table and middleware order, nothing else. */
import { Hono, type Context } from 'hono'
import { mountBatchRoutes } from './batch/routes.ts'
import type { Deps } from './deps.ts'
import { mountDlqRoutes } from './dlq/routes.ts'
import { GatewayError, NotFound } from './errors.ts'
import { createErrorHandler, problemResponse } from './middleware/problem.ts'
import { requestContext, type AppEnv } from './middleware/request-context.ts'
import { requestMetrics } from './middleware/request-metrics.ts'
import { createAdminRoutes } from './observability/admin-routes.ts'
import { auditContext, auditEvents } from './observability/audit.ts'
import { observeDeps } from './observability/observe-deps.ts'
import { redactText } from './observability/redact.ts'
import { providerStatuses } from './pipeline/provider-status.ts'
import { mountSourceEventRoutes } from './sources/events-routes.ts'
import { createWebhookHandler, type WebhookResult } from './pipeline/webhook.ts'
import { isTenantId } from './tenant/tenant-id.ts'
import { metricsTenantsMax } from './tenant/tenant-labels.ts'
import { tenantMetrics } from './middleware/tenant-metrics.ts'

export function createApp(given: Deps) {
  // Metrics and activity defaulted; store, limiter and publisher wrapped to be counted.
  const deps = observeDeps(given)
  const app = new Hono<AppEnv>()
  const webhooks = createWebhookHandler(deps)

  app.use('*', requestContext(deps.log, deps.clock))
  app.use('*', requestMetrics(deps.metrics, deps.registry))
  app.onError(createErrorHandler(deps.log, deps.clientIp))
  app.notFound((c) => problemResponse(new NotFound(`no route for ${c.req.method} ${c.req.path}`), c.get('requestId')))

  app.get('/health', (c) => c.json({ status: 'healthy' }))
  app.route('/', createAdminRoutes({ deps, metrics: deps.metrics, activity: deps.activity }))

  const configuredProviders = providerStatuses(deps).filter((p) => p.configured).map((p) => p.id)

  app.get('/ready', async (c) => {
    const [store, publisher] = await Promise.all([
      deps.store.ping().catch((e: unknown) => ({ ok: false, kind: deps.store.kind, detail: String(e) })),
      deps.publisher.ping().catch((e: unknown) => ({ ok: false, kind: deps.publisher.kind, detail: String(e) })),
    ])
    const ready = store.ok && publisher.ok
    // The breaker's state and the spool backlog, where the publisher has them.
    const shown = { ...publisher, ...deps.publisher.state?.() }
    // Pull sources are detail only: one open or terminal source must not take the gateway out of rotation.
    const sources = deps.sourceStates
      ? await deps.sourceStates.states().then(
          (list) => list.map((v) => (v.last_error ? { ...v, last_error: redactText(v.last_error) } : v)),
          (e: unknown) => ({ error: redactText(String(e)) }),
        )
      : undefined
    return c.json({ status: ready ? 'ready' : 'unavailable', store, publisher: shown, providers: configuredProviders, ...(sources ? { sources } : {}) }, ready ? 200 : 503)
  })

  const tenantsMax = metricsTenantsMax(deps.settings['TXGATE_METRICS_TENANTS_MAX'])
  app.use('/webhooks/v1/:provider/events/:tenant', tenantMetrics(deps.metrics, webhooks.servesTenant, tenantsMax))
  // One provider for many merchants: `/events/{tenant}` verifies with that tenant's secrets only
  // (src/tenant/), and the tenant travels in the message, its headers and the logs.
  const webhook = async (c: Context<AppEnv>, tenant: string | undefined) => {
    const providerId = c.req.param('provider') ?? ''
    c.set('providerId', providerId)
    if (tenant !== undefined && isTenantId(tenant)) c.set('tenantId', tenant)
    const result = await webhooks.handle(providerId, c.req.raw, c.get('trace'), tenant)
    c.set('outcome', outcomeLabel(result))
    const who = auditContext(c.get('requestId'), providerId, c.req.raw.headers, () => deps.clientIp?.(c), undefined, tenant)
    auditEvents(deps.log, deps.metrics, { ...who, provider: providerId }, result.items)
    for (const [name, value] of Object.entries(result.headers)) c.header(name, value)
    const eventIds = result.items.flatMap((i) => ('eventId' in i ? [i.eventId] : []))
    if (eventIds.length > 0) c.header('txgate-event-id', eventIds.join(','))
    if (result.provider.acknowledgement !== undefined) return c.text(result.provider.acknowledgement, 200)
    return c.json(answerBody(result), 200)
  }
  app.post('/webhooks/v1/:provider/events', (c) => webhook(c, undefined))
  app.post('/webhooks/v1/:provider/events/:tenant', (c) => webhook(c, c.req.param('tenant')))

  const notAllowed = (c: Context<AppEnv>) => {
    const err = new MethodNotAllowed(`${c.req.method} is not allowed here; use POST`)
    return problemResponse(err, c.get('requestId'))
  }
  // A provider's endpoint verification (Braintree's `?bt_challenge=`) is a GET to the same URL;
  // any other GET is refused as before.
  const verification = async (c: Context<AppEnv>, tenant: string | undefined) => {
    const providerId = c.req.param('provider') ?? ''
    const answer = await webhooks.challenge(providerId, new URL(c.req.url).searchParams, tenant)
    if (answer === undefined) return notAllowed(c)
    c.set('providerId', providerId)
    if (tenant !== undefined) c.set('tenantId', tenant)
    c.set('outcome', 'ignored') // answered, nothing published
    return c.text(answer, 200)
  }
  app.get('/webhooks/v1/:provider/events', (c) => verification(c, undefined))
  app.get('/webhooks/v1/:provider/events/:tenant', (c) => verification(c, c.req.param('tenant')))
  app.all('/webhooks/v1/:provider/events', notAllowed)
  app.all('/webhooks/v1/:provider/events/:tenant', notAllowed)

  mountBatchRoutes(app, deps)
  mountSourceEventRoutes(app, deps)
  mountDlqRoutes(app, deps)

  return app
}

// --- Internal helpers ---

class MethodNotAllowed extends GatewayError {
  override readonly code = 'method_not_allowed'
  override readonly status = 405
  override readonly title = 'Method not allowed'
  override readonly headers = { allow: 'POST' }
}

function answerBody(result: WebhookResult): Record<string, unknown> {
  const bodies = result.items.map((i) =>
    i.kind === 'ignored'
      ? { ignored: true }
      : i.kind === 'dlq'
        ? { event_id: i.eventId, duplicate: false, dlq: true }
        : { event_id: i.eventId, duplicate: i.kind === 'duplicate' },
  )
  return bodies.length === 1 && bodies[0] ? bodies[0] : { events: bodies }
}

function outcomeLabel(result: WebhookResult): string {
  const kinds = new Set(result.items.map((i) => i.kind))
  return kinds.size === 1 ? [...kinds][0] ?? 'accepted' : 'mixed'
}
