import { describe, expect, it } from 'vitest'
import { surelyTransactionMessage } from '../../src/message/check-message.ts'
import { normalize } from '../../src/message/normalize.ts'
import { SCHEMA_VERSION, TransactionMessage } from '../../src/message/schema.ts'
import { uuidv7 } from '../../src/message/uuidv7.ts'

const valid = () => ({
  schema_version: SCHEMA_VERSION,
  event_id: uuidv7(Date.UTC(2026, 10, 22)),
  ingestion_timestamp: '2026-11-22T03:47:00.123Z',
  provider: 'stripe',
  source: 'webhook',
  event_type: 'payment_intent.succeeded',
  transaction_id: 'pi_123',
  timestamp: '2024-02-29T23:59:59.999Z',
  amount: 2000,
  currency: 'USD',
  status: 'succeeded',
  payment_method: 'card',
  customer_id: 'cus_1',
  tenant_id: null,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  idempotency_key: 'stripe:evt_1',
  raw_payload: JSON.parse('{"id":"evt_1","data":{"object":{"amount":2000}}}') as unknown,
})

// Values that the schema refuses somewhere, or that a check could get wrong.
const odd: unknown[] = [
  undefined, null, '', ' ', 0, -1, 1.5, NaN, Infinity, 2 ** 53, -(2 ** 53), '1.0', '1.1', 'USD',
  'usd', 'US', 'Succeeded', 'webhook', 'file', 'stripe', 'Stripe', '-x', 'a_b-c',
  '2026-11-22T03:47:00.123Z', '2026-11-22T03:47:00Z', '2026-11-22T03:47:00.123+00:00',
  '2023-02-29T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-11-22T24:00:00.000Z',
  '0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '2026-11-22 03:47:00.123Z',
  '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b', '0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B',
  '0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b', '0190a1b2-c3d4-7e5f-ca6b-7c8d9e0f1a2b',
  '4bf92f3577b34da6a3ce929d0e0e4736', '4BF92F3577B34DA6A3CE929D0E0E4736', '4bf92f35',
  {}, [], ['a'], { a: 1 }, Object.create(null), new Date(0), { [Symbol('s')]: 1 },
  JSON.parse('{"constructor":{"prototype":{}}}'), JSON.parse('{"__proto__":{"x":1}}'),
]

describe('message: the cheap TransactionMessage check', () => {
  it('passes a well-formed message, which the schema passes unchanged', () => {
    const c = valid()
    expect(surelyTransactionMessage(c, SCHEMA_VERSION)).toBe(true)
    const parsed = TransactionMessage.safeParse(c)
    expect(parsed.success && parsed.data).toEqual(c)
    expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(c))
  })

  it('never passes what the schema refuses, field by field', () => {
    let refusedBySchema = 0
    for (const key of Object.keys(valid()) as (keyof ReturnType<typeof valid>)[]) {
      for (const value of odd) {
        const c: Record<string, unknown> = { ...valid(), [key]: value }
        const schemaOk = TransactionMessage.safeParse(c).success
        if (!schemaOk) refusedBySchema++
        if (surelyTransactionMessage(c, SCHEMA_VERSION)) {
          expect(schemaOk, `${key} = ${String(value)}`).toBe(true)
        }
      }
      const missing: Record<string, unknown> = valid()
      delete missing[key]
      expect(surelyTransactionMessage(missing, SCHEMA_VERSION)).toBe(false)
    }
    const extra: Record<string, unknown> = { ...valid(), extra: 1 }
    expect(surelyTransactionMessage(extra, SCHEMA_VERSION)).toBe(false)
    expect(refusedBySchema).toBeGreaterThan(500)
  })

  it('leaves a refused message to the schema, whose reason normalize reports', () => {
    const n = normalize(
      {
        transactionId: 'pi_1',
        amount: { minor: 2000 },
        currency: 'usd',
        status: 'succeeded',
        paymentMethod: 'card',
        customerId: null,
        occurredAt: new Date(0),
      },
      {
        eventId: 'not-a-uuid',
        provider: 'stripe',
        source: 'webhook',
        eventType: 'payment_intent.succeeded',
        idempotencyKey: 'k',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        tenantId: null,
        ingestedAt: 0,
        raw: {},
      },
    )
    expect(n).toEqual({ ok: false, reason: expect.stringMatching(/^event_id: /) })
  })
})
