/**
 * @module DLQ and quarantine re-send: each stored record through today's mapping and the normal
 * dedupe, published once; a ledger remembers what went out so that a second run is a no-op.
 */
import { createStoreDedupe } from '../batch/store-dedupe.ts'
import type { BatchMapping } from '../batch/mapping.ts'
import { compileMapping } from '../batch/record.ts'
import type { Deps } from '../deps.ts'
import type { NormalizeResult } from '../message/normalize.ts'
import { DlqMessage, TransactionMessage } from '../message/schema.ts'
import { createIdempotency, idempotencyStoreKey } from '../pipeline/idempotency.ts'
import { mapEvent } from '../pipeline/map-event.ts'
import { transactionRecord } from '../publish/records.ts'
import type { KafkaRecord } from '../publish/types.ts'
import { keyScope } from '../store/scope.ts'

/** One stored record an operator may re-send. */
export type DlqEntry = {
  /** The record's event_id: the id the provider was answered with, stable across re-sends. */
  id: string
  /**
   * What the ledger remembers it by: the id, or for a quarantine entry the id and its time — a
   * record Kafka refuses again on re-send is quarantined again, and that new entry is pending.
   */
  key: string
  /** `spool`: the DLQ topic's records in the spool; `quarantine`: what Kafka refused for good; `file`: a dump given by hand. */
  origin: 'spool' | 'quarantine' | 'file'
  /** When it failed (DLQ) or was quarantined, RFC 3339. */
  at: string
  provider: string
  reason: string
  record: KafkaRecord
}

export type DlqFilter = {
  provider?: string
  /** Case-insensitive substring of the reason. */
  reason?: string
  /** Milliseconds since the epoch: entries at or after it. */
  since?: number
  /** An event id, or a prefix of one. */
  id?: string
  origin?: DlqEntry['origin']
}

/** What re-sent records are remembered by; one writer at a time (the caller holds its lock). */
export type ResendLedger = {
  has(id: string): boolean
  mark(id: string, outcome: 'published' | 'already_published', eventId: string): Promise<void>
}

/** `openLedger` refused: another re-send (another process) holds the ledger; try again later. */
export class ResendBusy extends Error {
  override readonly name = 'ResendBusy'
}

/** Where a runtime keeps DLQ and quarantine records (server: the spool directory). */
export type DlqSource = {
  entries(): AsyncIterable<DlqEntry>
  /** Keys (DlqEntry.key) already re-sent, for listings; no lock taken. */
  resentIds(): Promise<ReadonlySet<string>>
  /** Takes the ledger's lock (one re-send at a time across processes) until `close`; ResendBusy while another holds it. */
  openLedger(): Promise<ResendLedger & { close(): Promise<void> }>
}

export type ResendOutcome = 'published' | 'would_publish' | 'still_failing' | 'already_published'

export type ResendReport = {
  dry_run: boolean
  matched: number
  published: number
  would_publish: number
  still_failing: number
  already_published: number
  results: { id: string; provider: string; outcome: ResendOutcome; reason?: string }[]
}

export type ResendDeps = Pick<Deps, 'config' | 'registry' | 'publisher' | 'store' | 'clock' | 'log'> & {
  /** Batch column mappings by provider id (a YAML mapping file over the modules' own). */
  mappings?: Readonly<Record<string, BatchMapping>>
}

/** What a runtime hands the app for `/admin/dlq`: its records and the batch mappings in force. */
export type DlqPort = { source: DlqSource; mappings?: Readonly<Record<string, BatchMapping>> }

/** `--since`: an RFC 3339 time or a duration back from now (`90m`, `2h`, `7d`); undefined when neither. */
export function parseSince(text: string, now: number): number | undefined {
  const d = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim())
  if (d) return now - Number(d[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[d[2] as 's' | 'm' | 'h' | 'd']
  const t = Date.parse(text)
  return Number.isNaN(t) ? undefined : t
}

export function matches(e: DlqEntry, f: DlqFilter): boolean {
  if (f.provider !== undefined && e.provider !== f.provider) return false
  if (f.reason !== undefined && !e.reason.toLowerCase().includes(f.reason.toLowerCase())) return false
  if (f.since !== undefined && !(Date.parse(e.at) >= f.since)) return false
  if (f.id !== undefined && !e.id.startsWith(f.id)) return false
  if (f.origin !== undefined && e.origin !== f.origin) return false
  return true
}

/** Every entry the filter matches, each id once (the first place it was found). */
export async function findEntries(source: DlqSource, f: DlqFilter): Promise<DlqEntry[]> {
  const seen = new Set<string>()
  const out: DlqEntry[] = []
  for await (const e of source.entries()) {
    if (seen.has(e.key) || !matches(e, f)) continue
    seen.add(e.key)
    out.push(e)
  }
  return out
}

/**
 * Re-sends the matching entries in order. Per entry: skipped if the ledger has it; mapped again
 * with today's provider module (or batch mapping); claimed under its idempotency key like a new
 * delivery (a key another copy already published is `already_published`); published; committed;
 * marked in the ledger. A crash between the publish and the mark re-publishes at most that record
 * with the same event_id on the next run (Kafka's at-least-once, which consumers dedupe).
 */
export async function resend(
  deps: ResendDeps,
  source: DlqSource,
  filter: DlqFilter,
  opts: { dryRun: boolean },
): Promise<ResendReport> {
  const entries = await findEntries(source, filter)
  const report: ResendReport = {
    dry_run: opts.dryRun,
    matched: entries.length,
    published: 0,
    would_publish: 0,
    still_failing: 0,
    already_published: 0,
    results: [],
  }
  const ledger = await source.openLedger()
  try {
    const one = createResender(deps, ledger, opts.dryRun)
    for (const e of entries) {
      const r = await one(e)
      report[r.outcome]++
      report.results.push({ id: e.id, provider: e.provider, ...r })
    }
  } finally {
    await ledger.close()
  }
  return report
}

// --- Internal helpers ---

type One = { outcome: ResendOutcome; reason?: string }

/** Records an entry may become: a message to publish under a dedupe key, or why it still fails. */
type Plan =
  | { ok: false; reason: string }
  | { ok: true; record: KafkaRecord; guard: 'webhook' | 'batch' | 'none'; scope: string; key: string; eventId: string }

function createResender(deps: ResendDeps, ledger: ResendLedger, dryRun: boolean) {
  const { config, store, publisher, log } = deps
  const ttl = { inFlightTtlMs: config.inFlightTtlMs, ttlMs: config.idempotencyTtlMs }
  const idempotency = createIdempotency(store, ttl, log)
  const batchDedupe = createStoreDedupe(store)

  /** Claims the key as a new delivery would; `release` undoes it (dry run, failed publish). */
  async function claim(p: Extract<Plan, { ok: true }>): Promise<{ state: 'claimed' | 'published' | 'busy'; commit(): Promise<void>; release(): Promise<void> }> {
    const none = async () => {}
    if (p.guard === 'none') return { state: 'claimed', commit: none, release: none }
    if (p.guard === 'batch') {
      const [state] = await batchDedupe.claim([p.key], [p.eventId], ttl.inFlightTtlMs)
      if (state === 'duplicate') return { state: 'published', commit: none, release: none }
      // Held by a job that has not finished it (or the store did not answer): try again later.
      if (state === 'unguarded' || state === 'in_flight') return { state: 'busy', commit: none, release: none }
      return {
        state: 'claimed',
        commit: () => batchDedupe.commit([p.key], [p.eventId], ttl.ttlMs),
        release: () => batchDedupe.release([p.key], [p.eventId]),
      }
    }
    const c = await idempotency.claim(p.scope, p.key, p.eventId)
    if (c.state === 'claimed') {
      return { state: 'claimed', commit: () => idempotency.commit(c, 'published'), release: () => idempotency.release(c) }
    }
    if (c.state === 'duplicate' && c.answer.outcome === 'dlq') {
      // The key remembers this very DLQ answer: the re-send is what replaces it.
      const storeKey = idempotencyStoreKey(p.scope, p.key)
      return { state: 'claimed', commit: () => store.commit(storeKey, { event_id: p.eventId, outcome: 'published' }, ttl.ttlMs), release: none }
    }
    if (c.state === 'duplicate') return { state: 'published', commit: none, release: none }
    // In flight elsewhere, or the store did not answer: an operator's re-send does not fail open.
    return { state: 'busy', commit: none, release: none }
  }

  return async function resendOne(e: DlqEntry): Promise<One> {
    if (ledger.has(e.key)) return { outcome: 'already_published', reason: 're-sent before' }
    const p = plan(deps, e)
    if (!p.ok) return { outcome: 'still_failing', reason: p.reason }
    const c = await claim(p)
    if (c.state === 'busy') return { outcome: 'still_failing', reason: 'the idempotency store did not answer or another copy is in flight; try again' }
    if (c.state === 'published') {
      if (!dryRun) await ledger.mark(e.key, 'already_published', p.eventId)
      return { outcome: 'already_published', reason: 'another copy of the event was published' }
    }
    if (dryRun) {
      await c.release()
      return { outcome: 'would_publish' }
    }
    try {
      await publisher.publish([p.record])
    } catch (err) {
      await c.release()
      return { outcome: 'still_failing', reason: `publish failed: ${err instanceof Error ? err.message : String(err)}` }
    }
    await c.commit()
    await ledger.mark(e.key, 'published', p.eventId)
    log.info('DLQ record re-sent', { event: 'dlq_resend', id: e.id, provider: e.provider, origin: e.origin })
    return { outcome: 'published' }
  }
}

function plan(deps: ResendDeps, e: DlqEntry): Plan {
  const { config } = deps
  const headers = e.record.headers
  const resentHeaders = { ...headers, resent_from: e.origin }
  const tx = TransactionMessage.safeParse(e.record.value)
  if (tx.success) {
    // A quarantined transaction (Kafka refused it): the message is made already; only the ledger guards it.
    return { ok: true, record: { ...e.record, headers: resentHeaders }, guard: 'none', scope: '', key: '', eventId: tx.data.event_id }
  }
  const d = DlqMessage.safeParse(e.record.value)
  if (!d.success) return { ok: false, reason: 'the stored record is neither a DLQ record nor a transaction' }
  const m = d.data
  const tenant = headers['tenant_id'] ?? null
  const mapped = m.source === 'batch' ? mapBatchRow(deps, m, tenant) : mapWebhookEvent(deps, m, tenant)
  if (!mapped.ok) return mapped
  const topic = m.source === 'batch' ? config.topics.batch : config.topics.realtime
  const record = transactionRecord(topic, mapped.message, headers['traceparent'] ?? '', headers['tracestate'])
  record.headers = { ...record.headers, resent_from: e.origin }
  const routeTenant = tenant === config.tenantId ? null : tenant
  return {
    ok: true,
    record,
    guard: m.source === 'batch' ? 'batch' : 'webhook',
    scope: keyScope(m.provider, routeTenant),
    key: mapped.message.idempotency_key,
    eventId: m.event_id,
  }
}

/**
 * The provider's mapping over the stored raw event. What the DLQ kept is the item as it came, not
 * the request: a provider without items() gets its envelope parsed from it again; one with items
 * (Adyen) gets the raw item and no envelope; no provider's mapping reads the request headers.
 */
function mapWebhookEvent(deps: ResendDeps, m: DlqMessage, tenant: string | null): NormalizeResult {
  const provider = deps.registry.get(m.provider)
  if (!provider) return { ok: false, reason: `no provider "${m.provider}" in this gateway` }
  if (m.idempotency_key === null || m.event_type === null) return { ok: false, reason: 'the DLQ record has no idempotency key or event type' }
  let item: unknown = m.raw
  let envelope: unknown
  if (!provider.items) {
    const parsed = provider.envelope.safeParse(m.raw)
    if (!parsed.success) return { ok: false, reason: `not a ${provider.name} event any more: ${parsed.error.issues[0]?.message ?? ''}` }
    item = envelope = parsed.data
  }
  return mapEvent({
    provider,
    routeTenant: tenant === deps.config.tenantId ? null : tenant,
    defaultTenant: deps.config.tenantId,
    eventId: m.event_id,
    eventType: m.event_type,
    idempotencyKey: m.idempotency_key,
    item,
    rawItem: m.raw,
    ctx: { headers: new Headers(), envelope },
    traceId: m.trace_id,
    ingestedAt: Date.parse(m.failed_at),
  })
}

/** A file row through today's column mapping (TXGATE_BATCH_MAPPINGS, else the module's), keeping the DLQ's event id. */
function mapBatchRow(deps: ResendDeps, m: DlqMessage, tenant: string | null): NormalizeResult {
  const mapping = deps.mappings?.[m.provider] ?? deps.registry.get(m.provider)?.batch
  if (!mapping) return { ok: false, reason: `no batch mapping for provider "${m.provider}"` }
  if (typeof m.raw !== 'object' || m.raw === null || Array.isArray(m.raw)) {
    return { ok: false, reason: 'the row could not be read as a record (it is kept as text)' }
  }
  const r = compileMapping(mapping, { provider: m.provider, tenantId: tenant, traceId: m.trace_id, ingestedAt: Date.parse(m.failed_at) })(
    m.raw as Record<string, unknown>,
  )
  return r.ok ? { ok: true, message: { ...r.message, event_id: m.event_id } } : r
}
