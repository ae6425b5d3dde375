/** @module The real-time path: body → authenticate → parse → rate limit + claim → normalize → publish. */
import type { VerifyEnv } from '../auth/types.ts'
import type { Deps } from '../deps.ts'
import { BadRequest, GatewayError, UnknownProvider, UnknownTenant, Unavailable } from '../errors.ts'
import { SCHEMA_VERSION } from '../message/schema.ts'
import type { DlqMessage } from '../message/schema.ts'
import { NO_METRICS } from '../observability/metrics.ts'
import { stageRunner, type StageRunner } from '../observability/stages.ts'
import type { TraceContext } from '../observability/trace.ts'
import type { AnyProvider, ItemContext, RateLimitRule } from '../provider/types.ts'
import { dlqRecord, transactionRecord } from '../publish/records.ts'
import { encodeWithRawJson } from '../publish/encode.ts'
import type { KafkaRecord, OutboundRecord } from '../publish/types.ts'
import { keyScope } from '../store/scope.ts'
import { isTenantId } from '../tenant/tenant-id.ts'
import { tenantSettings } from '../tenant/tenant-settings.ts'
import { authenticateItems, authenticateRequest, planAuth, type AuthPlan } from './authenticate.ts'
import { createAdmission, type Gate } from './admission.ts'
import { createIdempotency } from './idempotency.ts'
import { mapEvent } from './map-event.ts'
import { parseBody } from './parse-body.ts'
import { readBody } from './read-body.ts'
import { createSecretReader, createVerifyEnv } from './verify-env.ts'

export type ItemOutcome =
  | { kind: 'ignored' }
  | { kind: 'accepted' | 'dlq'; eventId: string }
  | { kind: 'duplicate'; eventId: string }

export type WebhookResult = {
  items: readonly ItemOutcome[]
  /** RateLimit-* headers to send with the answer. */
  headers: Record<string, string>
  provider: AnyProvider
}

/** A provider as one tenant (or the default, `tenant: null`) is served. */
type Route = {
  provider: AnyProvider
  plan: AuthPlan
  env: VerifyEnv
  rule: RateLimitRule
  tenant: string | null
  /** keyScope(provider, tenant): rate-limit bucket and idempotency keys. */
  scope: string
}

/** For callers other than the webhook route (queue sources). */
export type HandleOptions = {
  /** Added to every record the request produces (a queue source's name and position, for audit). */
  headers?: Readonly<Record<string, string>>
  /**
   * The caller has authenticated the message itself (a queue source's own HMAC header, or a
   * broker it trusts): the provider's schemes are skipped and need not be configured.
   */
  verified?: boolean
  /**
   * The rate-limit bucket's client id and rule instead of the provider's: a consumer pulls at the
   * pace its prefetch allows, so it needs no share of the webhooks' bucket.
   */
  limit?: { client: string; rule: RateLimitRule }
}

export type WebhookHandler = {
  /** `tenant`: from `/webhooks/v1/{provider}/events/{tenant}`; undefined on the default route. */
  handle(providerId: string, req: Request, trace: TraceContext, tenant?: string, opts?: HandleOptions): Promise<WebhookResult>
  /**
   * A GET's verification handshake (provider.challenge): the text to answer with, or undefined
   * when the provider has none for this query. An unconfigured provider or tenant is a 404 and a
   * refused challenge a 400, as for a POST.
   */
  challenge(providerId: string, query: URLSearchParams, tenant?: string): Promise<string | undefined>
  /** Whether the tenant has credentials of its own for the provider. */
  servesTenant(providerId: string, tenant: string): boolean
}

// Configured tenants' routes are kept; an unconfigured tenant is looked up again each time, so
// requests naming made-up tenants cost a lookup, not memory.
const MAX_CACHED_TENANT_ROUTES = 10_000

export function createWebhookHandler(deps: Deps): WebhookHandler {
  const { config, registry, settings, log } = deps
  const secrets = createSecretReader(settings)
  const routes = new Map<string, Route>()
  for (const provider of registry.all()) {
    const tolerance = config.toleranceSec(provider.id) ?? provider.toleranceSec
    const env = createVerifyEnv(settings, deps.fetch, tolerance, secrets, deps.hmac)
    const plan = planAuth(provider, env)
    const rule = config.rateLimit(provider.id, provider.rateLimit)
    routes.set(provider.id, { provider, plan, env, rule, tenant: null, scope: keyScope(provider.id, null) })
  }
  const tenantRoutes = new Map<string, Route>()

  /** The tenant's route, or 404 unknown_tenant when it has no credentials of its own. */
  function tenantRoute(base: Route, tenant: string): Route {
    const id = `${base.provider.id}/${tenant}`
    const known = tenantRoutes.get(id)
    if (known) return known
    if (!isTenantId(tenant)) throw new UnknownTenant(`no tenant "${tenant}" for provider "${base.provider.id}"`)
    const { provider } = base
    const own = tenantSettings(settings, provider, tenant)
    const tolerance = config.toleranceSec(provider.id) ?? provider.toleranceSec
    const env = createVerifyEnv(own, deps.fetch, tolerance, undefined, deps.hmac)
    const plan = planAuth(provider, env)
    if (!plan.configured) throw new UnknownTenant(`no tenant "${tenant}" for provider "${provider.id}"`)
    // TXGATE_RATE_LIMIT_<ID>__<TENANT>, else the provider's limit (each tenant its own bucket).
    const rule = config.rateLimit(`${provider.id}__${tenant}`, base.rule)
    const route: Route = { provider, plan, env, rule, tenant, scope: keyScope(provider.id, tenant) }
    if (tenantRoutes.size < MAX_CACHED_TENANT_ROUTES) tenantRoutes.set(id, route)
    return route
  }
  const idempotency = createIdempotency(
    deps.store,
    { inFlightTtlMs: config.inFlightTtlMs, ttlMs: config.idempotencyTtlMs },
    log,
  )
  const admission = createAdmission(deps, idempotency)

  async function publish(records: OutboundRecord[]): Promise<void> {
    try {
      await deps.publisher.publish(records)
    } catch (err) {
      if (err instanceof GatewayError) throw err
      log.error('publish failed', { error: String(err) })
      throw new Unavailable('the event could not be stored durably; retry later', { retryAfter: 30 })
    }
  }

  async function processItem(
    route: Route,
    item: unknown,
    rawItem: unknown,
    ctx: ItemContext<unknown>,
    trace: TraceContext,
    gate: Gate,
    stage: StageRunner,
    extra: Readonly<Record<string, string>> | undefined,
    rawJson: Uint8Array | undefined,
  ): Promise<ItemOutcome> {
    const { provider } = route
    const eventType = provider.eventType(item, ctx)
    if (!provider.isTransaction(eventType)) return { kind: 'ignored' }
    const idempotencyKey = provider.idempotencyKey(item, ctx)
    const now = deps.clock()
    const claim = gate.take(idempotencyKey)
    if (claim.state === 'duplicate') return { kind: 'duplicate', eventId: claim.answer.event_id }

    const base = { eventId: claim.eventId, provider: provider.id, eventType, idempotencyKey }
    const built = buildRecord(route, base, item, rawItem, ctx, trace, now)
    if (built.dlq !== undefined) {
      log.warn('event sent to the DLQ', { provider: provider.id, event_type: eventType, reason: built.dlq })
    }
    // DESIGN's headers win over a caller's of the same name.
    const merged = extra ? { ...built.record, headers: { ...extra, ...built.record.headers } } : built.record
    // The body's own bytes as raw_payload, not the parsed object serialized again.
    const record: OutboundRecord = (built.dlq === undefined && rawJson && encodeWithRawJson(merged, rawJson)) || merged
    const outcome = built.dlq === undefined ? 'accepted' : 'dlq'
    try {
      await stage('publish', () => publish([record]))
    } catch (err) {
      await idempotency.release(claim)
      throw err
    }
    await stage('store', () => idempotency.commit(claim, outcome === 'dlq' ? 'dlq' : 'published'))
    return { kind: outcome, eventId: claim.eventId }
  }

  /** The message to publish, or the DLQ record with the reason the event cannot be one. */
  function buildRecord(
    route: Route,
    base: DlqBase,
    item: unknown,
    rawItem: unknown,
    ctx: ItemContext<unknown>,
    trace: TraceContext,
    now: number,
  ): { record: KafkaRecord; dlq?: string } {
    const { provider } = route
    const toDlq = (reason: string) => ({
      record: dlqRecord(
        config.topics.dlq,
        dlqMessage(base, reason, rawItem, now, trace.traceId),
        trace.traceparent,
        trace.tracestate,
        route.tenant ?? config.tenantId,
      ),
      dlq: reason,
    })
    const n = mapEvent({
      provider,
      routeTenant: route.tenant,
      defaultTenant: config.tenantId,
      eventId: base.eventId,
      eventType: base.eventType,
      idempotencyKey: base.idempotencyKey,
      item,
      rawItem,
      ctx,
      traceId: trace.traceId,
      ingestedAt: now,
    })
    if (!n.ok) return toDlq(n.reason)
    return { record: transactionRecord(config.topics.realtime, n.message, trace.traceparent, trace.tracestate) }
  }

  return {
    async challenge(providerId, query, tenant) {
      const base = routes.get(providerId)
      if (!base?.provider.challenge) return undefined
      if (tenant === undefined && !base.plan.configured) throw new UnknownProvider(`no configured provider "${providerId}"`)
      const route = tenant === undefined ? base : tenantRoute(base, tenant)
      const answer = await base.provider.challenge(query, route.env.secrets)
      if (answer === undefined) return undefined
      if (!answer.ok) throw new BadRequest(answer.reason)
      return answer.body
    },
    servesTenant(providerId, tenant) {
      const base = routes.get(providerId)
      if (!base) return false
      try {
        tenantRoute(base, tenant)
        return true
      } catch {
        return false
      }
    },
    async handle(providerId, req, trace, tenant, opts) {
      const base = routes.get(providerId)
      if (!base || registry.get(providerId) === undefined) {
        throw new UnknownProvider(`no configured provider "${providerId}"`)
      }
      // A provider that is not configured answers exactly like one that does not exist.
      if (tenant === undefined && !base.plan.configured && !opts?.verified) throw new UnknownProvider(`no configured provider "${providerId}"`)
      const route = tenant === undefined ? base : tenantRoute(base, tenant)
      const { provider, plan, env } = route
      // Times verify, store and publish calls, and traces them when an OpenTelemetry SDK is registered.
      const stage = stageRunner(deps.metrics ?? NO_METRICS, provider.id, trace)
      const body = await readBody(req, config.bodyLimit)
      const now = deps.clock()
      const principal = opts?.verified
        ? undefined
        : await stage('verify', () => authenticateRequest(plan, { body, headers: req.headers, url: req.url, now }, env))
      const client = opts?.limit?.client ?? provider.clientId?.(req.headers) ?? principal ?? 'default'
      const limit = {
        provider: provider.id,
        scope: route.scope,
        bucket: `${route.scope}:${client}`,
        rule: opts?.limit?.rule ?? route.rule,
        now,
      }

      // Parsing (CPU only) comes before the limit so that the limit and the claims share one round
      // trip; a body that does not parse still spends a token, so it is limited like any other.
      let parsed: ReturnType<typeof parseBody>
      try {
        parsed = parseBody(provider, body)
      } catch (err) {
        await stage('store', () => admission.admit({ ...limit, keys: [] }))
        throw err
      }
      const { raw, envelope } = parsed
      const items = provider.items ? provider.items(envelope) : [envelope]
      const rawItems = provider.items ? provider.items(raw) : [raw]
      if (!opts?.verified && plan.items.length > 0) await stage('verify', () => authenticateItems(plan, items, env))

      // A single event sent as JSON is its own raw payload, byte for byte.
      const rawJson = provider.body === 'json' && !provider.items ? body : undefined
      const ctx: ItemContext<unknown> = { headers: req.headers, envelope }
      const keys = items.flatMap((item) =>
        provider.isTransaction(provider.eventType(item, ctx))
          ? [provider.idempotencyKey(item, ctx)]
          : [],
      )
      const gate = await stage('store', () => admission.admit({ ...limit, keys }))
      const outcomes: ItemOutcome[] = []
      try {
        for (const [i, item] of items.entries()) {
          outcomes.push(await processItem(route, item, rawItems[i], ctx, trace, gate, stage, opts?.headers, rawJson))
        }
      } finally {
        await gate.releaseUntaken()
      }
      return { items: outcomes, headers: gate.headers, provider }
    },
  }
}

// --- Internal helpers ---

type DlqBase = { eventId: string; provider: string; eventType: string; idempotencyKey: string }

function dlqMessage(
  base: DlqBase,
  reason: string,
  raw: unknown,
  now: number,
  traceId: string,
): DlqMessage {
  return {
    schema_version: SCHEMA_VERSION,
    event_id: base.eventId,
    failed_at: new Date(now).toISOString(),
    provider: base.provider,
    source: 'webhook',
    event_type: base.eventType,
    idempotency_key: base.idempotencyKey,
    trace_id: traceId,
    reason,
    raw,
  }
}
