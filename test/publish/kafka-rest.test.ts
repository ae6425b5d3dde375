import { afterEach, describe, expect, it } from 'vitest'
import { PublishFailed, RecordsRejected } from '../../src/publish/errors.ts'
import { createKafkaRestPublisher, type KafkaRestOptions } from '../../src/publish/kafka-rest.ts'
import { parseJsonStream } from '../../src/publish/kafka-rest-wire.ts'
import type { KafkaRecord } from '../../src/publish/types.ts'
import { startKafkaRestDouble, type KafkaRestDouble } from '../helpers/kafka-rest-double.ts'

const TOPIC = 'transactions.realtime'
const rec = (n: number, topic = TOPIC): KafkaRecord => ({
  topic,
  key: `stripe:pi_${n}`,
  headers: {
    event_id: `0190-e${n}`,
    provider: 'stripe',
    source: 'webhook',
    schema_version: '1.0',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'content-type': 'application/json',
  },
  value: {
    event_id: `0190-e${n}`,
    amount: 1099 + n,
    note: 'naïve "quoted" \\ text',
  } as unknown as KafkaRecord['value'],
})

let double: KafkaRestDouble
afterEach(() => double?.close())

async function setup(
  api: 'v3' | 'v2',
  extra: Partial<KafkaRestOptions> = {},
  credentials?: { username: string; password: string },
) {
  double = await startKafkaRestDouble({
    topics: [TOPIC, 'transactions.dlq'],
    ...(credentials ? { credentials } : {}),
  })
  return createKafkaRestPublisher({
    url: double.url,
    api,
    clusterId: double.clusterId,
    fetch,
    timeoutMs: 1000,
    ...extra,
  })
}

describe('publish: kafka REST v3', () => {
  it('lands the record with its key as bytes, every header, and the JSON value', async () => {
    const p = await setup('v3')
    await p.publish([rec(1)])
    const [stored] = double.records(TOPIC)
    expect(stored?.key).toBe('stripe:pi_1')
    expect(stored?.headers).toEqual(rec(1).headers)
    expect(stored?.value).toEqual(rec(1).value)
  })

  it('sends concurrent publishes as one streaming request, one result per record', async () => {
    const p = await setup('v3')
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.publish([rec(i)])))
    expect(double.requests).toEqual([40])
    expect(
      double
        .records(TOPIC)
        .map((r) => r.key)
        .sort(),
    ).toEqual(Array.from({ length: 40 }, (_, i) => `stripe:pi_${i}`).sort())
  })

  it('keeps the order of one key’s records', async () => {
    const p = await setup('v3')
    for (let i = 0; i < 5; i++)
      await p.publish([{ ...rec(0), value: { seq: i } as unknown as KafkaRecord['value'] }])
    expect(double.records(TOPIC).map((r) => (r.value as { seq: number }).seq)).toEqual([
      0, 1, 2, 3, 4,
    ])
  })

  it('sends a DLQ record to its own topic in the same call', async () => {
    const p = await setup('v3')
    await p.publish([rec(1), rec(2, 'transactions.dlq')])
    expect(double.records('transactions.dlq').map((r) => r.key)).toEqual(['stripe:pi_2'])
    expect(double.records(TOPIC).map((r) => r.key)).toEqual(['stripe:pi_1'])
  })

  it('fails as retriable on a 500', async () => {
    const p = await setup('v3')
    double.mode = 'error'
    await expect(p.publish([rec(1)])).rejects.toBeInstanceOf(PublishFailed)
    await expect(p.publish([rec(1)])).rejects.toThrow(/HTTP 500/)
  })

  it('gives up on a bridge that does not answer, as retriable', async () => {
    const p = await setup('v3', { timeoutMs: 200 })
    double.mode = 'hang'
    await expect(p.publish([rec(1)])).rejects.toBeInstanceOf(PublishFailed)
    double.mode = 'healthy'
    await p.publish([rec(2)]) // the in-flight slot was freed
    expect(double.records(TOPIC).map((r) => r.key)).toEqual(['stripe:pi_2'])
  })

  it('refuses only the record the bridge rejects (streaming mode); its neighbours land', async () => {
    const p = await setup('v3')
    double.reject = (r) =>
      r.key === 'stripe:pi_2' ? { status: 413, message: 'Record too large' } : undefined
    const results = await Promise.allSettled([1, 2, 3].map((i) => p.publish([rec(i)])))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const err = (results[1] as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(RecordsRejected)
    expect((err as RecordsRejected).rejected[0]?.reason).toMatch(/413 Record too large/)
    expect(
      double
        .records(TOPIC)
        .map((r) => r.key)
        .sort(),
    ).toEqual(['stripe:pi_1', 'stripe:pi_3'])
  })

  it('treats a 4xx for a single record as that record’s fault', async () => {
    const p = await setup('v3')
    double.reject = () => ({ status: 422, message: 'Unprocessable' })
    await expect(p.publish([rec(1)])).rejects.toBeInstanceOf(RecordsRejected)
  })

  it('treats an unknown topic as retriable (Kafka’s side, not the record’s)', async () => {
    const p = await setup('v3')
    await expect(p.publish([rec(1, 'no.such.topic')])).rejects.toThrow(
      /404 This server does not host/,
    )
  })

  it('sends Basic credentials, and a 401 is retriable', async () => {
    const creds = { username: 'KEY', password: 'SECRET' }
    const p = await setup('v3', { username: 'KEY', password: 'SECRET' }, creds)
    await p.publish([rec(1)])
    expect(double.records(TOPIC)).toHaveLength(1)
    const wrong = createKafkaRestPublisher({
      url: double.url,
      clusterId: double.clusterId,
      fetch,
      username: 'KEY',
      password: 'nope',
    })
    await expect(wrong.publish([rec(2)])).rejects.toThrow(/HTTP 401/)
  })

  it('answers ping from the cluster resource', async () => {
    const p = await setup('v3')
    expect(await p.ping()).toMatchObject({ ok: true, kind: 'kafka-rest-v3' })
    const other = createKafkaRestPublisher({ url: double.url, clusterId: 'lkc-other', fetch })
    expect(await other.ping()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/HTTP 404/),
    })
  })
})

describe('publish: kafka REST v2', () => {
  it('lands records in the JSON embedded format: key as JSON, no headers', async () => {
    const p = await setup('v2')
    await Promise.all([1, 2].map((i) => p.publish([rec(i)])))
    const stored = double.records(TOPIC)
    expect(stored.map((r) => r.key)).toEqual(['"stripe:pi_1"', '"stripe:pi_2"'])
    expect(stored[0]?.value).toEqual(rec(1).value)
    expect(stored[0]?.headers).toEqual({})
    expect(double.requests).toEqual([2])
  })

  it('maps offsets[].error_code: 1 refuses the record, 2 is retriable', async () => {
    const p = await setup('v2')
    double.reject = (r) =>
      r.key === '"stripe:pi_1"' ? { status: 413, message: 'too large' } : undefined
    await expect(p.publish([rec(1)])).rejects.toBeInstanceOf(RecordsRejected)
    double.reject = () => ({ status: 503, message: 'not enough replicas' })
    await expect(p.publish([rec(2)])).rejects.toBeInstanceOf(PublishFailed)
  })

  it('fails as retriable on an unknown topic (40401) and on a 500 (50002)', async () => {
    const p = await setup('v2')
    await expect(p.publish([rec(1, 'no.such.topic')])).rejects.toThrow(/40401 Topic not found/)
    double.mode = 'error'
    await expect(p.publish([rec(1)])).rejects.toThrow(/50002/)
  })
})

describe('publish: kafka REST wire', () => {
  it('splits concatenated JSON objects, braces inside strings included', () => {
    expect(parseJsonStream('{"a":"}{"}{"b":[1,{"c":2}]}\n{"d":"\\"}"}')).toEqual([
      { a: '}{' },
      { b: [1, { c: 2 }] },
      { d: '"}' },
    ])
    expect(parseJsonStream('{"a":1} x')).toBeUndefined()
    expect(parseJsonStream('{"a":1')).toBeUndefined()
  })
})
