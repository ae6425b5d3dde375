import { describe, expect, it } from 'vitest'
import { TransactionMessage, transactionMessageJsonSchema } from '../../src/message/schema.ts'

const valid = {
  schema_version: '1.0',
  event_id: '01935b4e-7c3a-7def-8123-456789abcdef',
  ingestion_timestamp: '2026-11-22T12:00:00.000Z',
  provider: 'stripe',
  source: 'webhook',
  event_type: 'payment_intent.succeeded',
  transaction_id: 'pi_1',
  timestamp: '2023-03-22T13:53:51.000Z',
  amount: 1099,
  currency: 'USD',
  status: 'succeeded',
  payment_method: 'card',
  customer_id: null,
  tenant_id: null,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  idempotency_key: 'evt_1',
  raw_payload: { id: 'evt_1' },
}

describe('message: TransactionMessage v1 schema', () => {
  it('accepts a complete message and refuses unknown fields, floats, lower-case currency', () => {
    expect(TransactionMessage.safeParse(valid).success).toBe(true)
    expect(TransactionMessage.safeParse({ ...valid, extra: 1 }).success).toBe(false)
    expect(TransactionMessage.safeParse({ ...valid, amount: 10.99 }).success).toBe(false)
    expect(TransactionMessage.safeParse({ ...valid, currency: 'usd' }).success).toBe(false)
    expect(TransactionMessage.safeParse({ ...valid, event_id: 'not-a-uuid' }).success).toBe(false)
    expect(TransactionMessage.safeParse({ ...valid, timestamp: '2023-03-22T14:53:51+01:00' }).success).toBe(false)
  })

  it('exports a JSON Schema that requires every field of the contract', () => {
    const schema = transactionMessageJsonSchema() as { $defs: { TransactionMessage: { required: string[]; additionalProperties: boolean } } }
    const def = schema.$defs.TransactionMessage
    expect(def.required.sort()).toEqual(Object.keys(valid).sort())
    expect(def.additionalProperties).toBe(false)
  })
})
