/** @module Which providers are configured and what each still needs, for start-up lines and /ready. */
import { enablingSettings } from '../auth/verify.ts'
import type { Deps } from '../deps.ts'
import { planAuth } from './authenticate.ts'
import { createVerifyEnv } from './verify-env.ts'

export type ProviderStatus = { id: string; name: string; configured: boolean; missing: readonly string[] }

export function providerStatuses(deps: Pick<Deps, 'registry' | 'settings' | 'fetch'>): ProviderStatus[] {
  const env = createVerifyEnv(deps.settings, deps.fetch, undefined)
  return deps.registry.all().map((p) => {
    const plan = planAuth(p, env)
    return { id: p.id, name: p.name, configured: plan.configured, missing: plan.missing.flatMap(enablingSettings) }
  })
}

/** One line per provider, then the store and the sink, as a newcomer reads them at start. */
export function startupLines(deps: Pick<Deps, 'registry' | 'settings' | 'fetch' | 'store' | 'publisher'>): string[] {
  const lines = providerStatuses(deps).map((s) =>
    s.configured
      ? `provider ${s.id}: configured${s.missing.length ? ` (optional, not set: ${s.missing.join(', ')})` : ''}`
      : `provider ${s.id}: not configured (set ${s.missing.join(', ')}); its route answers 404`,
  )
  lines.push(
    deps.store.shared
      ? `store: ${deps.store.kind} (shared across instances)`
      : `store: ${deps.store.kind} (in-process: idempotency and rate limits cover this instance only)`,
  )
  lines.push(`publisher: ${deps.publisher.kind}`)
  return lines
}
