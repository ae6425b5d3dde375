import { trace as otel } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import Stripe from 'stripe'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestGateway, fixture, type TestGateway } from '../helpers/app.ts'

const SECRET = 'whsec_trace_test'
const body = await fixture('stripe.json')
const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

function post(g: TestGateway, headers: Record<string, string> = {}, payload = body) {
  const at = Math.floor(g.clock.now / 1000)
  const sig = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: at })
  return g.post('stripe', payload, { 'stripe-signature': sig, ...headers })
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

describe('observability: W3C trace context', () => {
  it("continues the caller's trace: trace_id, the Kafka traceparent header and the answer agree", async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const res = await post(g, { traceparent: CALLER })
    expect(res.status).toBe(200)
    const [record] = g.publisher.records
    const answered = TRACEPARENT.exec(res.headers.get('traceparent') ?? '')
    expect(answered?.[1]).toBe(CALLER_TRACE)
    expect(answered?.[2]).not.toBe('00f067aa0ba902b7') // this hop is a new span, child of the caller's
    expect(answered?.[3]).toBe('01')
    expect(record?.headers['traceparent']).toBe(res.headers.get('traceparent'))
    expect(record?.value.trace_id).toBe(CALLER_TRACE)
    expect(g.logs.find((l) => l['msg'] === 'request')?.['trace_id']).toBe(CALLER_TRACE)
  })

  it('mints a trace when none (or an invalid one) is sent, and still answers with it', async () => {
    const sent: Record<string, string>[] = [
      {},
      { traceparent: 'garbage' },
      { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
      { traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    ]
    for (const headers of sent) {
      const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
      const res = await post(g, headers)
      const answered = TRACEPARENT.exec(res.headers.get('traceparent') ?? '')
      expect(answered).not.toBeNull()
      expect(answered?.[1]).not.toMatch(/^0+$/)
      expect(answered?.[1]).not.toBe(CALLER_TRACE)
      expect(g.publisher.records[0]?.value.trace_id).toBe(answered?.[1])
    }
  })

  it('passes tracestate on to the Kafka record and the answer, only beside a valid traceparent', async () => {
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const res = await post(g, {
      traceparent: CALLER,
      tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7',
    })
    expect(res.headers.get('tracestate')).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')
    expect(g.publisher.records[0]?.headers['tracestate']).toBe(
      'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    )

    const alone = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const res2 = await post(alone, { tracestate: 'congo=t61rcWkgMzE' })
    expect(res2.headers.get('tracestate')).toBeNull()
    expect(alone.publisher.records[0]?.headers['tracestate']).toBeUndefined()
  })

  it('drops a tracestate that breaks the W3C limits rather than pass it on', async () => {
    const tooMany = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')
    for (const tracestate of [
      'no-equals-sign',
      'UPPER=case',
      'a=b,c=d\u00e9',
      tooMany,
      `a=${'x'.repeat(600)}`,
    ]) {
      const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
      const res = await post(g, { traceparent: CALLER, tracestate })
      expect(res.headers.get('tracestate')).toBeNull()
      expect(g.publisher.records[0]?.headers['tracestate']).toBeUndefined()
    }
  })
})

describe('observability: OpenTelemetry spans when an SDK is registered', () => {
  const exporter = new InMemorySpanExporter()
  otel.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  )
  afterAll(() => otel.disable())

  it("records verify, store and publish spans in the caller's trace, under this hop's span", async () => {
    exporter.reset()
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const res = await post(g, { traceparent: CALLER })
    const hop = TRACEPARENT.exec(res.headers.get('traceparent') ?? '')?.[2]
    const spans = exporter.getFinishedSpans()
    // One span per stage call: store is called more than once (limit and claim, then commit).
    expect(new Set(spans.map((s) => s.name))).toEqual(
      new Set(['txgate.verify', 'txgate.store', 'txgate.publish']),
    )
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(CALLER_TRACE)
      expect(s.parentSpanContext?.spanId).toBe(hop)
      expect(s.attributes['txgate.provider']).toBe('stripe')
    }
  })

  it('marks a failing stage as an error with its code only', async () => {
    exporter.reset()
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const res = await g.post('stripe', body, {
      'stripe-signature': 't=1,v1=00',
      traceparent: CALLER,
    })
    expect(res.status).toBe(401)
    const [verify] = exporter.getFinishedSpans()
    expect(verify?.name).toBe('txgate.verify')
    expect(verify?.status).toMatchObject({ code: 2, message: 'unauthorized' })
  })
})
