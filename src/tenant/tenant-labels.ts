/** @module Tenant ids as metric label values, at most a fixed number of them. */

/** TXGATE_METRICS_TENANTS_MAX: tenants with their own series; 0 turns the tenant metric off. */
export const DEFAULT_METRICS_TENANTS_MAX = 20

/**
 * The first `max` tenants this process serves keep their id as label; the rest share `other`, so
 * a platform with thousands of merchants grows no series (the registry's per-metric cap is 500:
 * 21 tenant values × 12 outcomes stay under it). Which tenants get a label is first come, per
 * process; for a stable set, keep `max` at or above the tenant count.
 */
export function createTenantLabels(max: number): (tenant: string) => string {
  const named = new Set<string>()
  return (tenant) => {
    if (named.has(tenant)) return tenant
    if (named.size < max) {
      named.add(tenant)
      return tenant
    }
    return 'other'
  }
}

export function metricsTenantsMax(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_METRICS_TENANTS_MAX
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 200) throw new Error(`TXGATE_METRICS_TENANTS_MAX="${value}" must be 0–200`)
  return n
}
