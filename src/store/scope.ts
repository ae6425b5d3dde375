/** @module The one place a provider and a tenant become the scope of Redis keys. */

/**
 * `stripe`, or `stripe/acme` for a tenant: the rate-limit bucket (`rl:<scope>:<client>`) and the
 * idempotency keys (`idem:<scope>:<key>`) of a request share it, so a tenant's duplicates and
 * limits never meet another tenant's, and a Cluster hash tag around it keeps one request's keys
 * in one slot. `/` because no provider id, tenant id (src/tenant/tenant-id.ts) or `:` after the
 * provider holds one: with `:`, tenant `x`'s key `CODE` would be the default route's key `x:CODE`
 * (Adyen's keys contain `:`).
 */
export function keyScope(provider: string, tenant: string | null): string {
  return tenant === null ? provider : `${provider}/${tenant}`
}
