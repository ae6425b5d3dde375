/** @module Operator routes: GET /metrics (Prometheus), GET /dashboard and the JSON it polls. */
import { Hono } from 'hono'
import { toBase64, utf8 } from '../auth/encoding.ts'
import type { Deps } from '../deps.ts'
import { adminAuth } from '../middleware/admin-auth.ts'
import type { AppEnv } from '../middleware/request-context.ts'
import type { Activity } from './activity.ts'
import { dashboardData } from './dashboard/data.ts'
import { DASHBOARD_HTML, DASHBOARD_SCRIPT } from './dashboard/page.ts'
import type { Metrics } from './metrics.ts'
import { PROMETHEUS_CONTENT_TYPE, toPrometheusText } from './prometheus-text.ts'

export type AdminRoutesOptions = {
  deps: Pick<Deps, 'settings' | 'log' | 'clock' | 'store' | 'publisher' | 'clientIp'>
  metrics: Metrics
  activity: Activity
}

export function createAdminRoutes({ deps, metrics, activity }: AdminRoutesOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const guard = adminAuth({
    token: deps.settings['TXGATE_ADMIN_TOKEN'],
    log: deps.log,
    withoutToken: deps.settings['TXGATE_ADMIN_OPEN'] === 'true' ? 'open' : 'loopback',
    ...(deps.clientIp ? { clientIp: deps.clientIp } : {}),
  })
  let csp: Promise<string> | undefined

  app.use('/metrics', guard)
  app.use('/dashboard', guard)
  app.use('/dashboard/*', guard)

  app.get('/metrics', async (c) => {
    const text = metrics.enabled
      ? toPrometheusText(await metrics.collect())
      : '# txgate metrics are switched off (TXGATE_METRICS=off)\n'
    return c.body(text, 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    })
  })

  app.get('/dashboard', async (c) => {
    csp ??= contentSecurityPolicy()
    return c.html(DASHBOARD_HTML, 200, {
      'content-security-policy': await csp,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    })
  })

  app.get('/dashboard/data', async (c) => {
    const ports = { store: deps.store.kind, publisher: deps.publisher.kind }
    return c.json(await dashboardData(metrics, activity, ports, deps.clock), 200, {
      'cache-control': 'no-store',
    })
  })

  return app
}

// --- Internal helpers ---

/** Only our own inline script runs (by its hash); the page talks to this origin only. */
async function contentSecurityPolicy(): Promise<string> {
  const hash = toBase64(
    new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(DASHBOARD_SCRIPT))),
  )
  return [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
