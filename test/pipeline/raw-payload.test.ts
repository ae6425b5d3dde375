import { createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { decodeRecord } from '../../src/publish/encode.ts'
import type { OutboundRecord, Publisher } from '../../src/publish/types.ts'
import { recordLines } from '../../src/runtime/server/record-lines.ts'
import { createTestGateway, fixture } from '../helpers/app.ts'

const SECRET = 'whsec_raw_payload_test'
const pretty = await fixture('stripe.json') // as Stripe sends it: indented, one field per line

/** The spool lines a webhook's records become (what a consumer reads from the spool or Kafka). */
async function spoolLines(payload: string | Uint8Array<ArrayBuffer>): Promise<{ status: number; lines: string[] }> {
  const sent: OutboundRecord[] = []
  const publisher: Publisher = {
    kind: 'capture',
    publish: async (records) => void sent.push(...records),
    ping: async () => ({ ok: true, kind: 'capture' }),
    close: async () => {},
  }
  const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET }, { deps: { publisher } })
  const t = Math.floor(g.clock.now / 1000)
  const v1 = createHmac('sha256', SECRET).update(`${t}.`).update(payload).digest('hex')
  const sig = `t=${t},v1=${v1}`
  const res = await g.post('stripe', payload, { 'stripe-signature': sig })
  const bytes = Buffer.concat(recordLines(sent))
  const lines = bytes.toString('utf8').split('\n')
  expect(lines.pop()).toBe('') // every line ends with its line feed
  return { status: res.status, lines }
}

describe('pipeline: raw_payload is the event as sent', () => {
  it('an indented body (LF or CRLF) is one spool line whose raw_payload reads back as the event', async () => {
    for (const body of [pretty, pretty.replaceAll('\n', '\r\n'), `\n${pretty}\n`]) {
      const { status, lines } = await spoolLines(body)
      expect(status).toBe(200)
      expect(lines).toHaveLength(1)
      const record = JSON.parse(lines[0] as string)
      expect(record.value.raw_payload).toEqual(JSON.parse(pretty))
      expect(Object.keys(record.value).at(-1)).toBe('raw_payload')
      expect(record.value.event_type).toBe('payment_intent.succeeded')
    }
  })

  it('a compact body gives exactly the line JSON.stringify of the record gives', async () => {
    const compact = JSON.stringify(JSON.parse(pretty))
    const { lines } = await spoolLines(compact)
    const record = JSON.parse(lines[0] as string)
    expect(lines[0]).toBe(JSON.stringify(record))
    expect(lines[0]).toContain(`"raw_payload":${compact}}}`)
  })

  it('keeps digits a JSON number cannot hold, and leaves out a byte order mark', async () => {
    const big = pretty.replace('"livemode": false', '"livemode": false, "big": 12345678901234567890123')
    expect(big).not.toBe(pretty)
    const { lines } = await spoolLines(big)
    expect(lines[0]).toContain('"big": 12345678901234567890123')
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(pretty)])
    const withBom = await spoolLines(bom)
    expect(withBom.status).toBe(200)
    expect(JSON.parse(withBom.lines[0] as string).value.raw_payload).toEqual(JSON.parse(pretty))
  })

  it('a consumer decoding the record (Kafka value) gets the same message as before', async () => {
    const { lines } = await spoolLines(pretty)
    const record = JSON.parse(lines[0] as string)
    const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: SECRET })
    const sig = Stripe.webhooks.generateTestHeaderString({ payload: pretty, secret: SECRET, timestamp: Math.floor(g.clock.now / 1000) })
    await g.post('stripe', pretty, { 'stripe-signature': sig })
    const [viaRecording] = g.publisher.records
    const decoded = decodeRecord(viaRecording as OutboundRecord).value
    expect('raw_payload' in decoded && decoded.raw_payload).toEqual(record.value.raw_payload)
    expect(Object.keys(record.value)).toEqual(Object.keys(viaRecording?.value ?? {}))
  })
})
