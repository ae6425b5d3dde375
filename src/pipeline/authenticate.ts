/** @module Runs a provider's schemes over the raw request; parsing waits until this passes. */
import type { AuthScheme, ItemHmacScheme, RequestScheme, RequestToVerify, VerifyEnv } from '../auth/types.ts'
import { verifyItems } from '../auth/item-hmac.ts'
import { isConfigured, verifyRequest } from '../auth/verify.ts'
import { Unauthorized } from '../errors.ts'
import type { AnyProvider } from '../provider/types.ts'

export type AuthPlan = {
  mode: 'any' | 'all'
  request: readonly RequestScheme[]
  items: readonly ItemHmacScheme[]
  /** Configured enough to serve; an unconfigured provider answers 404. */
  configured: boolean
  /** Settings that are expected but absent (for the start-up line). */
  missing: readonly AuthScheme[]
}

export function planAuth(provider: AnyProvider, env: Pick<VerifyEnv, 'secrets' | 'setting'>): AuthPlan {
  const { mode, schemes } = provider.auth
  const on = schemes.filter((s) => isConfigured(s, env))
  const missing = schemes.filter((s) => !isConfigured(s, env))
  const required = schemes.filter((s) => !(s.kind === 'basic' && s.optional))
  const configured =
    mode === 'any' ? on.length > 0 : required.every((s) => isConfigured(s, env)) && on.length > 0
  return {
    mode,
    request: on.filter((s): s is RequestScheme => s.kind !== 'item-hmac'),
    items: on.filter((s): s is ItemHmacScheme => s.kind === 'item-hmac'),
    configured,
    missing,
  }
}

/** Verifies the request; returns the principal (for the rate-limit bucket) or throws Unauthorized. */
export async function authenticateRequest(
  plan: AuthPlan,
  req: RequestToVerify,
  env: VerifyEnv,
): Promise<string | undefined> {
  let principal: string | undefined
  let firstFailure: Unauthorized | undefined
  for (const scheme of plan.request) {
    const outcome = await verifyRequest(scheme, req, env)
    if (outcome.ok) {
      principal ??= outcome.principal
      if (plan.mode === 'any') return principal
      continue
    }
    if (plan.mode === 'all') throw outcome.error
    // Report the most telling failure: a scheme whose header was present beats a missing one.
    if (!firstFailure || (firstFailure.reason === 'missing_header' && outcome.error.reason !== 'missing_header')) {
      firstFailure = outcome.error
    }
  }
  if (plan.mode === 'any' && plan.request.length > 0) {
    throw firstFailure ?? new Unauthorized('missing_header', 'no scheme verified')
  }
  return principal
}

/** Verifies every item of a parsed envelope; any item failing fails the whole request. */
export async function authenticateItems(
  plan: AuthPlan,
  items: readonly unknown[],
  env: VerifyEnv,
): Promise<void> {
  for (const scheme of plan.items) {
    const outcome = await verifyItems(scheme, items, env)
    if (!outcome.ok) throw outcome.error
  }
}
