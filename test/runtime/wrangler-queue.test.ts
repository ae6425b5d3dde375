/**
 * Edge durability under `wrangler dev` (real workerd; miniflare runs wrangler.toml's queues
 * locally): with TXGATE_QUEUE bound, a webhook answers 200 once the queue has the event, and the
 * Worker's queue consumer forwards it to the Kafka REST bridge (the local double), retrying while
 * the bridge is down. Stopped bridge, N events, restarted bridge: each arrives exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaRestDouble, type KafkaRestDouble, type StoredRecord } from '../helpers/kafka-rest-double.ts'
import { runtimeVersion, startRuntime, unavailable, type RuntimeProcess } from './runtime-process.ts'
import { PROVIDER_SETTINGS, stripeEvent } from './signers.ts'

const reason = unavailable('wrangler')
if (reason !== undefined) console.warn(`txgate: skipping the wrangler dev queue test: ${reason}`)

const TOPICS = ['transactions.realtime', 'transactions.dlq']
const CREDENTIALS = { username: 'edge', password: 'edge-secret' }
/** Header names, in order, that the direct path sends (src/publish/records.ts). */
const HEADERS = ['event_id', 'provider', 'source', 'schema_version', 'traceparent', 'content-type']
// Generous: wrangler dev, workerd and the local queue broker share a loaded 2-core machine.
const ARRIVAL_MS = 120_000

describe.skipIf(reason !== undefined)(`runtime: wrangler dev with a Cloudflare Queue (${reason ?? runtimeVersion('wrangler')})`, () => {
  let dev: RuntimeProcess | undefined
  let bridge: KafkaRestDouble | undefined
  let port = 0
  const url = () => dev?.url ?? ''

  beforeAll(async () => {
    bridge = await startKafkaRestDouble({ topics: TOPICS, credentials: CREDENTIALS })
    port = Number(new URL(bridge.url).port)
    dev = await startRuntime(
      'wrangler',
      {
        ...PROVIDER_SETTINGS,
        KAFKA_REST_URL: bridge.url,
        KAFKA_REST_CLUSTER_ID: bridge.clusterId,
        KAFKA_REST_USERNAME: CREDENTIALS.username,
        KAFKA_REST_PASSWORD: CREDENTIALS.password,
        // Short backoff, so the restarted bridge gets the events within seconds.
        TXGATE_QUEUE_RETRY_BASE_S: '1',
        TXGATE_QUEUE_RETRY_MAX_S: '2',
      },
      { timeoutMs: 120_000 },
    )
  }, 180_000)
  afterAll(async () => {
    await dev?.stop()
    await bridge?.close()
  }, 30_000)

  /** Sends n fresh signed Stripe events; every answer must be 200 with a new event_id. */
  async function sendEvents(n: number): Promise<{ eventId: string; idempotencyKey: string }[]> {
    const sent: { eventId: string; idempotencyKey: string }[] = []
    for (let i = 0; i < n; i++) {
      const e = stripeEvent()
      const res = await fetch(`${url()}/webhooks/v1/stripe/events`, { method: 'POST', headers: e.headers, body: e.body })
      const answer = (await res.json()) as { event_id?: string; duplicate?: boolean }
      expect(res.status, JSON.stringify(answer)).toBe(200)
      expect(answer.duplicate).toBe(false)
      sent.push({ eventId: answer.event_id ?? '', idempotencyKey: (JSON.parse(e.body) as { id: string }).id })
    }
    return sent
  }

  /** Waits until the bridge holds each sent event, then checks each is there exactly once, as the direct path writes it. */
  async function expectArrivedOnce(at: KafkaRestDouble, sent: { eventId: string; idempotencyKey: string }[]): Promise<StoredRecord[]> {
    const ids = sent.map((s) => s.eventId)
    const arrived = () => at.records('transactions.realtime').filter((r) => ids.includes(r.headers['event_id'] ?? ''))
    await expect.poll(() => new Set(arrived().map((r) => r.headers['event_id'])).size, { timeout: ARRIVAL_MS, interval: 250 }).toBe(ids.length)
    // Two more retry periods: a message delivered but not acked would come back by then.
    await new Promise((r) => setTimeout(r, 5000))
    const records = arrived()
    expect(records.map((r) => r.headers['event_id']).sort()).toEqual([...ids].sort())
    const byId = new Map(sent.map((s) => [s.eventId, s.idempotencyKey]))
    for (const r of records) {
      const value = r.value as { event_id: string; idempotency_key: string; provider: string; transaction_id: string }
      expect(Object.keys(r.headers)).toEqual(HEADERS)
      expect(r.headers['provider']).toBe('stripe')
      expect(r.headers['source']).toBe('webhook')
      expect(r.key).toBe(`stripe:${value.transaction_id}`)
      expect(value.event_id).toBe(r.headers['event_id'])
      expect(value.idempotency_key).toBe(byId.get(value.event_id))
    }
    return records
  }

  it('says it buffers in the queue: /ready names cloudflare-queue and the bridge behind it', async () => {
    const ready = (await (await fetch(`${url()}/ready`)).json()) as { publisher: { ok: boolean; kind: string; detail: string } }
    expect(ready.publisher).toMatchObject({ ok: true, kind: 'cloudflare-queue' })
    expect(ready.publisher.detail).toMatch(/TXGATE_QUEUE → kafka-rest-v3 \(up/)
  })

  it('bridge up: accepted events reach Kafka through the queue, with the direct path’s key and headers', async () => {
    const up = bridge as KafkaRestDouble
    await expectArrivedOnce(up, await sendEvents(3))
  }, ARRIVAL_MS + 60_000)

  it('bridge down: events still answer 200, and each arrives exactly once after the bridge is back', async () => {
    await bridge?.close()
    const sent = await sendEvents(10)
    // The consumer met the outage (and will retry), rather than the events waiting unseen.
    await expect
      .poll(() => dev?.output() ?? '', { timeout: 60_000 })
      .toMatch(/did not take the queued events; retrying later/)
    const ready = (await (await fetch(`${url()}/ready`)).json()) as { publisher: { ok: boolean; detail: string } }
    expect(ready.publisher.ok).toBe(true)
    expect(ready.publisher.detail).toMatch(/down, events wait in the queue/)

    bridge = await startKafkaRestDouble({ topics: TOPICS, credentials: CREDENTIALS, port })
    await expectArrivedOnce(bridge, sent)
  }, ARRIVAL_MS + 120_000)
})
