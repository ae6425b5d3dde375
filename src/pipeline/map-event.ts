/** @module An authentic transaction event → a TransactionMessage or the DLQ reason (webhooks, DLQ re-send). */
import { normalize, type NormalizeResult } from '../message/normalize.ts'
import type { AnyProvider, ItemContext } from '../provider/types.ts'

export type MapEventInput = {
  provider: AnyProvider
  /** The tenant whose secret verified (a tenant route), else null. */
  routeTenant: string | null
  /** TXGATE_TENANT_ID: a single-tenant deployment's tenant. */
  defaultTenant: string | null
  eventId: string
  eventType: string
  idempotencyKey: string
  /** The envelope-parsed item (what the provider's callbacks read) and the item as it came. */
  item: unknown
  rawItem: unknown
  ctx: ItemContext<unknown>
  traceId: string
  ingestedAt: number
}

/** The provider's shape check and mapping, then normalize(); a throwing mapping is a DLQ reason too. */
export function mapEvent(i: MapEventInput): NormalizeResult {
  const parsed = i.provider.transaction.safeParse(i.rawItem)
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((x) => `${x.path.join('.') || '(root)'}: ${x.message}`).join('; ') }
  }
  try {
    const mapped = i.provider.map(parsed.data, i.item, i.ctx)
    // On a tenant route the tenant is the one whose secret verified, whatever the payload says.
    const fields = i.routeTenant === null ? mapped : { ...mapped, tenantId: i.routeTenant }
    return normalize(fields, {
      eventId: i.eventId,
      provider: i.provider.id,
      eventType: i.eventType,
      idempotencyKey: i.idempotencyKey,
      source: 'webhook',
      traceId: i.traceId,
      tenantId: i.routeTenant ?? i.defaultTenant,
      ingestedAt: i.ingestedAt,
      raw: i.rawItem,
    })
  } catch (err) {
    return { ok: false, reason: `mapping failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}
