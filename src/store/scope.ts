/** @module The one place a provider and a tenant become the scope of Redis keys. */

/**
 * `stripe`, or `stripe:acme` for a tenant: the rate-limit bucket (`rl:<scope>:<client>`) and the
 * idempotency keys (`idem:<scope>:<key>`) of a request share it, so a tenant's duplicates and
 * limits never meet another tenant's, and a Cluster hash tag around it keeps one request's keys
 * in one slot. Tenant ids hold no `:`, `{` or `}` (src/tenant/tenant-id.ts).
 */
export function keyScope(provider: string, tenant: string | null): string {
  return tenant === null ? provider : `${provider}:${tenant}`
}
