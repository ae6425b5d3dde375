/** @module The one module providers import: defineProvider, scheme builders, parsing helpers. */
import type { Provider } from './types.ts'

export { basic, certSignature, hmac, itemHmac, jwt, standardWebhooks } from '../auth/schemes.ts'
export { fromUnixMillis, fromUnixSeconds, parseRfc3339, parseTimestamp } from '../message/timestamp.ts'
export type { ChallengeAnswer, Fields, ItemContext, Provider, RateLimitRule } from './types.ts'
export type { BatchMapping } from '../batch/mapping.ts'

/** Identity helper that gives a provider module its types. */
export function defineProvider<E, T, I = E>(provider: Provider<E, T, I>): Provider<E, T, I> {
  return provider
}
