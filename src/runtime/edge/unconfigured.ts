/**
 * @module What the Worker uses when an edge dependency is not configured: a per-isolate store that
 * says so in /ready, and a publisher that refuses (503) rather than acknowledge what it cannot keep.
 */
import { Unavailable } from '../../errors.ts'
import type { Publisher } from '../../publish/types.ts'
import type { Store } from '../../store/types.ts'

/** An in-memory store inside one isolate: it works, but /ready must never present it as global. */
export function perIsolateStore(inner: Store, missing: readonly string[]): Store {
  const detail =
    `${missing.join(' and ')} not set: duplicates and rate limits are remembered per isolate only, ` +
    'not across isolates or locations'
  return {
    kind: 'memory-per-isolate',
    shared: false,
    claim: (key, eventId, ttl, holdMs) => inner.claim(key, eventId, ttl, holdMs),
    commit: (key, answer, ttl) => inner.commit(key, answer, ttl),
    release: (key, eventId) => inner.release(key, eventId),
    renew: (key, eventId, leaseMs) => inner.renew(key, eventId, leaseMs),
    ping: async () => ({ ok: false, kind: 'memory-per-isolate', detail }),
  }
}

/** No durable sink on the edge (there is no local disk): every publish answers 503 Retry-After. */
export function missingPublisher(missing: readonly string[]): Publisher {
  const detail = `${missing.join(' and ')} not set: no durable publisher, webhooks answer 503`
  return {
    kind: 'none',
    async publish() {
      throw new Unavailable('no durable publisher is configured on this gateway; retry later', {
        retryAfter: 60,
      })
    },
    ping: async () => ({ ok: false, kind: 'none', detail }),
    close: async () => undefined,
  }
}
