/** @module Which providers are configured and what each still needs, for start-up lines and /ready. */
import { enablingSettings } from '../auth/verify.ts'
import type { AuthScheme } from '../auth/types.ts'
import type { Deps } from '../deps.ts'
import { planAuth } from './authenticate.ts'
import { createVerifyEnv } from './verify-env.ts'

export type ProviderStatus = {
  id: string
  name: string
  configured: boolean
  missing: readonly string[]
  /** What to set, in words: "A or B + C" for alternatives, "A (optional: B)" for layers. */
  needs: string
}

export function providerStatuses(deps: Pick<Deps, 'registry' | 'settings' | 'fetch'>): ProviderStatus[] {
  const env = createVerifyEnv(deps.settings, deps.fetch, undefined)
  return deps.registry.all().map((p) => {
    const plan = planAuth(p, env)
    const label = (scheme: AuthScheme) =>
      enablingSettings(scheme)
        .map((name) => (name.includes(' or ') ? `(${name})` : name))
        .join(' + ')
    const optional = (scheme: AuthScheme) => scheme.kind === 'basic' && scheme.optional
    const needs =
      p.auth.mode === 'any'
        ? p.auth.schemes.map(label).join(' or ')
        : p.auth.schemes.filter((x) => !optional(x)).map(label).join(' and ') +
          (p.auth.schemes.some(optional) ? ` (optional: ${p.auth.schemes.filter(optional).map(label).join(', ')})` : '')
    return {
      id: p.id,
      name: p.name,
      configured: plan.configured,
      missing: plan.missing.flatMap(enablingSettings),
      needs,
    }
  })
}

/** One line per provider, then the store and the sink, as a newcomer reads them at start. */
export function startupLines(deps: Pick<Deps, 'registry' | 'settings' | 'fetch' | 'store' | 'publisher'>): string[] {
  const lines = providerStatuses(deps).map((s) =>
    s.configured
      ? `provider ${s.id}: configured${s.missing.length ? ` (optional, not set: ${s.missing.join(', ')})` : ''}`
      : `provider ${s.id}: not configured (set ${s.needs}); its route answers 404`,
  )
  lines.push(
    deps.store.shared
      ? `store: ${deps.store.kind} (shared across instances)`
      : `store: ${deps.store.kind} (in-process: idempotency and rate limits cover this instance only)`,
  )
  lines.push(`publisher: ${deps.publisher.kind}`)
  return lines
}
