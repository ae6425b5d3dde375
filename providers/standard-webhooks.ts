/** @module Standard Webhooks: any sender following the spec (`{type, timestamp, data}` signed `v1,<base64>`); data = one transaction. */
import { z } from 'zod'
import { defineProvider, standardWebhooks } from '../src/provider/define.ts'
import { flatTransaction, mapFlatTransaction } from './generic.ts'

// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
// Headers webhook-id/-timestamp/-signature (the svix- names too), HMAC-SHA256 over
// `id.timestamp.body` keyed by a base64 `whsec_` secret, ±5 min; several space-separated
// signatures and several configured secrets make rotation. The asymmetric `v1a` (ed25519) is not
// verified. The spec fixes the envelope, not `data`: this module reads `data` as the flat
// transaction the `generic` provider takes (`generic` keeps its own flat body and its JWT/HMAC
// alternatives unchanged).
const NOT_A_TRANSACTION = /^(ping|test|(system|test)\..+)$/

const envelope = z.object({
  type: z.string().min(1).max(200),
  timestamp: z.string().min(1),
  data: z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected an object'),
})

const transaction = z.object({
  timestamp: z.string().min(1),
  // generic's flat transaction; its own time is optional here (the envelope's is the fallback).
  data: flatTransaction.extend({ timestamp: flatTransaction.shape.timestamp.optional() }),
})

export default defineProvider({
  id: 'standard-webhooks',
  name: 'Standard Webhooks sender',
  auth: { mode: 'any', schemes: [standardWebhooks({ secret: 'STANDARD_WEBHOOKS_SECRET', toleranceSec: 300 })] },
  body: 'json',
  envelope,
  eventType: (e) => e.type,
  // The spec: webhook-id is the message's unique id, the same on every retry — the de-dup key.
  idempotencyKey: (e, { headers }) =>
    headers.get('webhook-id') ?? headers.get('svix-id') ?? `${e.type}:${e.timestamp}`,
  isTransaction: (type) => !NOT_A_TRANSACTION.test(type),
  transaction,
  map: ({ timestamp, data: t }) => mapFlatTransaction(t, t.timestamp ?? timestamp),
  rateLimit: { ratePerSec: 1000, burst: 2000 },
})
