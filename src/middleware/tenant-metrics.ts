/** @module Counts tenant-route requests per tenant and outcome, for tenants the gateway serves. */
import type { MiddlewareHandler } from 'hono'
import { outcomeLabel } from '../observability/audit.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createTenantLabels } from '../tenant/tenant-labels.ts'
import type { AppEnv } from './request-context.ts'

export function tenantMetrics(
  metrics: Metrics,
  /** Whether the provider serves this tenant: a URL segment becomes a label only then. */
  serves: (provider: string, tenant: string) => boolean,
  max: number,
): MiddlewareHandler<AppEnv> {
  const label = createTenantLabels(max)
  return async function tenantMetricsMiddleware(c, next) {
    await next()
    if (!metrics.enabled || max === 0) return
    const provider = c.get('providerId')
    const tenant = c.get('tenantId')
    if (provider === undefined || tenant === undefined || !serves(provider, tenant)) return
    metrics.count('txgate_tenant_requests_total', {
      tenant: label(tenant),
      outcome: outcomeLabel(c.get('outcome'), c.res.status),
    })
  }
}
