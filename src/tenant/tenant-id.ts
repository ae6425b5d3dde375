/** @module Tenant ids as they appear in routes, env names and the message. */

/**
 * Lower-case letters, digits and `_`: the id maps one-to-one onto its env suffix (`acme_eu` →
 * `__ACME_EU`), so two tenants can never read the same variable (a `-` would collide with `_`),
 * and it cannot break a Redis key or hash tag (no `:`, `{`, `}`).
 */
const TENANT_ID = /^[a-z0-9][a-z0-9_]{0,63}$/

export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value)
}

/** `acme` → `__ACME`: what a tenant's settings end with (`STRIPE_WEBHOOK_SECRET__ACME`). */
export function tenantSuffix(tenant: string): string {
  return `__${tenant.toUpperCase()}`
}
