/** @module The provider contract: pure data and pure functions; the core never names a provider. */
import type { z } from 'zod'
import type { AuthScheme } from '../auth/types.ts'
import type { BatchMapping } from '../batch/mapping.ts'
import type { Amount } from '../message/money.ts'

/** What a provider's mapping yields; the core derives minor units, RFC 3339 and lower case. */
export type Fields = {
  transactionId: string
  /** When the transaction happened; an invalid Date sends the event to the DLQ. */
  occurredAt: Date | undefined
  amount: Amount
  currency: string
  status: string
  paymentMethod: string
  customerId: string | null
  tenantId?: string | null
}

/** What a provider's callbacks can read besides the item: request headers and the envelope. */
export type ItemContext<E> = { headers: Headers; envelope: E }

export type RateLimitRule = {
  /** Tokens added per second. */
  ratePerSec: number
  /** Bucket size: how many requests may arrive at once. */
  burst: number
}

/** The text a verification GET is answered with, or why its challenge is refused (400). */
export type ChallengeAnswer = { ok: true; body: string } | { ok: false; reason: string }

export type Provider<E = unknown, T = unknown, I = E> = {
  /** = file name = URL segment = Kafka key prefix. */
  id: string
  /** A human name for start-up lines and docs. */
  name: string
  /**
   * Authentication schemes over the request, checked before anything is parsed.
   * `any`: one configured scheme verifying is enough (alternatives, e.g. JWT or HMAC).
   * `all`: every configured scheme must verify (layers, e.g. Basic + HMAC).
   */
  auth: { mode: 'any' | 'all'; schemes: readonly AuthScheme[] }
  body: 'json' | 'form'
  /** Format check after authentication; failure → 400. */
  envelope: z.ZodType<E>
  /** Splits an envelope into events (Adyen's notification items); default: the envelope itself. */
  items?(envelope: E): readonly I[]
  eventType(item: I, ctx: ItemContext<E>): string
  /** What duplicates are detected on, unique per provider. */
  idempotencyKey(item: I, ctx: ItemContext<E>): string
  /** Rate-limit bucket within the provider; default: the authenticated principal or "default". */
  clientId?(headers: Headers): string | undefined
  /** false → 200 {"ignored": true}. */
  isTransaction(eventType: string): boolean
  /** Shape a transaction event must have; failure → DLQ with the issues as the reason. */
  transaction: z.ZodType<T>
  map(transaction: T, item: I, ctx: ItemContext<E>): Fields
  /** Default rate limit, overridable by TXGATE_RATE_LIMIT_<ID>. */
  rateLimit: RateLimitRule
  /** Seconds a signed timestamp may differ from receipt time (default 300). */
  toleranceSec?: number
  /** Fixed text body for every 200 (Adyen expects `[accepted]`); default: JSON. */
  acknowledgement?: string
  /**
   * An endpoint-verification handshake the provider sends as a GET to the webhook URL (Braintree's
   * `?bt_challenge=`), answered from the route's secrets (a tenant route's own); undefined when the
   * query is not one, which answers 405 like any other GET. Pure: no I/O.
   */
  challenge?(query: URLSearchParams, secrets: (name: string) => readonly string[]): Promise<ChallengeAnswer | undefined>
  /** How the provider's files read (settlement / export files); a YAML mapping file can override it. */
  batch?: BatchMapping
}

/** A provider of any shape, as the registry holds them (methods are bivariant in their parameters). */
export type AnyProvider = Provider<unknown, unknown, unknown>
