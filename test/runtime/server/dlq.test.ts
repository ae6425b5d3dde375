import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import stripe from '../../../providers/stripe.ts'
import type { ResendReport } from '../../../src/dlq/resend.ts'
import type { AnyProvider } from '../../../src/provider/types.ts'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { createDlqFiles } from '../../../src/runtime/server/dlq-files.ts'
import { openSpool, readSpool, type Spool } from '../../../src/runtime/server/spool.ts'
import { createSpoolPublisher } from '../../../src/runtime/server/spool-publisher.ts'
import { createMemoryStore } from '../../../src/store/memory.ts'
import type { Store } from '../../../src/store/types.ts'
import { createTestGateway, fixture } from '../../helpers/app.ts'
import { signedStripe } from '../../helpers/queue-messages.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const SECRET = 'whsec_dlq_resend_test'
const TOKEN = 'dlq-admin-token-for-tests'
/** Stripe as it was before the fix: its mapping throws for every event. */
const brokenStripe: AnyProvider = {
  ...stripe,
  map: () => {
    throw new Error('payment method "link" has no mapping')
  },
}

const opened: Spool[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
})

/** A gateway on a spool directory (the sink, as `npm start` has it) with the given Stripe module. */
async function gateway(dir: string, store: Store, provider: AnyProvider, token: string | null = TOKEN, extra: Record<string, string> = {}) {
  const spool = await openSpool({ dir, maxBytes: 1 << 24 })
  opened.push(spool)
  const g = createTestGateway(
    { STRIPE_WEBHOOK_SECRET: SECRET, TXGATE_SPOOL_DIR: dir, ...(token ? { TXGATE_DLQ_ADMIN_TOKEN: token } : {}), ...extra },
    {
      providers: [provider],
      deps: {
        clock: Date.now,
        store,
        publisher: createSpoolPublisher(spool, dir),
        dlq: { source: createDlqFiles({ spoolDir: dir, dlqTopic: 'transactions.dlq' }) },
      },
    },
  )
  const admin = (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${TOKEN}`) =>
    Promise.resolve(
      g.app.request(`http://gateway.test/admin/dlq${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    )
  const resend = async (body: Record<string, unknown>): Promise<ResendReport> => {
    const res = await admin('POST', '/resend', body)
    expect(res.status).toBe(200)
    return (await res.json()) as ResendReport
  }
  const sendStripe = async (eventId: string) => {
    const { payload, headers } = signedStripe(await fixture('stripe.json'), eventId, SECRET, Date.now())
    return g.post('stripe', payload, headers)
  }
  const close = async () => {
    opened.splice(opened.indexOf(spool), 1)
    await spool.close()
  }
  return { g, admin, resend, sendStripe, close }
}

async function spooled(dir: string, topic: string): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = []
  for await (const r of readSpool(dir, topic)) out.push(r)
  return out
}

describe('runtime/server: DLQ re-send after a mapping fix', () => {
  it('publishes a DLQ record once with its event id; a second re-send and a provider retry publish nothing', async () => {
    const dir = await tempDir('dlq')
    const store = createMemoryStore(Date.now)
    const before = await gateway(dir, store, brokenStripe)
    const first = await before.sendStripe('evt_dlq_1')
    expect(first.status).toBe(200)
    const answer = (await first.json()) as { event_id: string; dlq?: boolean }
    expect(answer.dlq).toBe(true)
    await before.close()

    // The fix is deployed: same spool, same store, Stripe's real mapping.
    const after = await gateway(dir, store, stripe)
    const listed = (await (await after.admin('GET', '?provider=stripe&reason=no%20mapping')).json()) as { count: number; entries: { id: string; resent: boolean }[] }
    expect(listed.count).toBe(1)
    expect(listed.entries[0]).toMatchObject({ id: answer.event_id, resent: false })

    const dry = await after.resend({ dry_run: true })
    expect(dry).toMatchObject({ dry_run: true, matched: 1, would_publish: 1, published: 0 })
    expect(await spooled(dir, 'transactions.realtime')).toHaveLength(0)

    const done = await after.resend({ provider: 'stripe' })
    expect(done).toMatchObject({ matched: 1, published: 1, still_failing: 0, already_published: 0 })
    const published = await spooled(dir, 'transactions.realtime')
    expect(published).toHaveLength(1)
    expect(published[0]?.value).toMatchObject({ event_id: answer.event_id, provider: 'stripe', amount: 1099, idempotency_key: 'evt_dlq_1' })
    expect(published[0]?.headers).toMatchObject({ event_id: answer.event_id, resent_from: 'spool' })

    expect(await after.resend({})).toMatchObject({ matched: 1, published: 0, already_published: 1 })
    // Stripe retries the event: the store now remembers it as published, with the same event id.
    const retry = (await (await after.sendStripe('evt_dlq_1')).json()) as { event_id: string; duplicate: boolean }
    expect(retry).toEqual({ event_id: answer.event_id, duplicate: true })
    expect(await spooled(dir, 'transactions.realtime')).toHaveLength(1)
    const shown = (await (await after.admin('GET', `/${answer.event_id}`)).json()) as { resent: boolean; record: KafkaRecord }
    expect(shown.resent).toBe(true)
    expect(shown.record.topic).toBe('transactions.dlq')
  })

  it('counts a record whose mapping still fails, publishes nothing for it, and re-sends it once fixed', async () => {
    const dir = await tempDir('dlq')
    const store = createMemoryStore(Date.now)
    const g = await gateway(dir, store, brokenStripe)
    expect((await g.sendStripe('evt_dlq_2')).status).toBe(200)
    expect(await g.resend({})).toMatchObject({ matched: 1, published: 0, still_failing: 1 })
    const report = await g.resend({ dry_run: true })
    expect(report.results[0]?.reason).toMatch(/mapping failed: payment method "link" has no mapping/)
    await g.close()
    const fixed = await gateway(dir, store, stripe)
    expect(await fixed.resend({ since: '1h' })).toMatchObject({ published: 1 })
    expect(await fixed.resend({ id: 'no-such-id' })).toMatchObject({ matched: 0, published: 0 })
  })

  it('two re-sends at once publish each record once', async () => {
    const dir = await tempDir('dlq')
    const store = createMemoryStore(Date.now)
    const before = await gateway(dir, store, brokenStripe)
    for (const id of ['evt_race_1', 'evt_race_2', 'evt_race_3']) expect((await before.sendStripe(id)).status).toBe(200)
    await before.close()
    const after = await gateway(dir, store, stripe)
    const reports = await Promise.all([after.resend({}), after.resend({}), after.resend({})])
    expect(reports.reduce((n, r) => n + r.published, 0)).toBe(3)
    expect(reports.reduce((n, r) => n + r.already_published, 0)).toBe(6)
    expect(await spooled(dir, 'transactions.realtime')).toHaveLength(3)
  })

  it("re-sends a quarantined transaction (Kafka refused it) as it was, once", async () => {
    const dir = await tempDir('dlq')
    const store = createMemoryStore(Date.now)
    const g = await gateway(dir, store, stripe)
    expect((await g.sendStripe('evt_quarantined')).status).toBe(200)
    const [record] = await spooled(dir, 'transactions.realtime')
    if (!record) throw new Error('the event is not in the spool')
    // What the replay does with a record Kafka refuses for good (message too large, say).
    await opened[0]?.quarantine([{ record, reason: 'MESSAGE_TOO_LARGE' }])
    const listed = (await (await g.admin('GET', '?origin=quarantine&reason=too_large')).json()) as { count: number }
    expect(listed.count).toBe(1)
    expect(await g.resend({ origin: 'quarantine' })).toMatchObject({ matched: 1, published: 1 })
    const after = await spooled(dir, 'transactions.realtime')
    expect(after).toHaveLength(2)
    expect(after[1]?.value).toEqual(record.value)
    expect(after[1]?.headers['resent_from']).toBe('quarantine')
    expect(await g.resend({ origin: 'quarantine' })).toMatchObject({ published: 0, already_published: 1 })
  })

  it('the admin endpoint answers 401 without the token, with a wrong one or the metrics token, and does not exist while the token is unset', async () => {
    const dir = await tempDir('dlq')
    const g = await gateway(dir, createMemoryStore(Date.now), stripe, TOKEN, { TXGATE_ADMIN_TOKEN: 'metrics-token-for-tests' })
    const none = await g.admin('POST', '/resend', {}, null)
    expect(none.status).toBe(401)
    expect(none.headers.get('content-type')).toMatch(/problem\+json/)
    expect((await g.admin('GET', '', undefined, 'Bearer wrong')).status).toBe(401)
    // Its own token: the one that opens /metrics does not re-send.
    expect((await g.admin('POST', '/resend', {}, 'Bearer metrics-token-for-tests')).status).toBe(401)
    expect((await g.admin('GET', '')).status).toBe(200)
    await g.close()
    const off = await gateway(dir, createMemoryStore(Date.now), stripe, null)
    expect((await off.admin('POST', '/resend', {})).status).toBe(404)
  })

  it('answers 409 resend_running with Retry-After while txgate dlq resend in another process holds the ledger', async () => {
    const dir = await tempDir('dlq')
    const store = createMemoryStore(Date.now)
    const before = await gateway(dir, store, brokenStripe)
    expect((await before.sendStripe('evt_busy_1')).status).toBe(200)
    await before.close()
    const g = await gateway(dir, store, stripe)
    const holder = spawn('sleep', ['60'])
    try {
      await writeFile(join(dir, 'dlq-resend.lock'), String(holder.pid))
      const busy = await g.admin('POST', '/resend', {})
      expect(busy.status).toBe(409)
      expect(busy.headers.get('retry-after')).toBe('10')
      expect(await busy.json()).toMatchObject({ code: 'resend_running', detail: expect.stringContaining(`process ${holder.pid}`) })
      expect(await spooled(dir, 'transactions.realtime')).toHaveLength(0)
    } finally {
      const gone = new Promise((resolve) => holder.once('exit', resolve))
      holder.kill()
      await gone
    }
    expect(await g.resend({})).toMatchObject({ matched: 1, published: 1 })
  })
})
