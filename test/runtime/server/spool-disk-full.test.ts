/**
 * The spool's disk fills up (a real 2 MiB tmpfs): new events get 503 with Retry-After and a
 * problem body, every event answered 200 is still in the spool, and once space returns the
 * gateway accepts again without a restart.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSpool } from '../../../src/runtime/server/spool.ts'
import { fixture } from '../../helpers/app.ts'
import { startGateway, type GatewayProcess } from '../../helpers/process.ts'
import { postStripeEvent } from '../../helpers/stripe-post.ts'

const SECRET = 'whsec_disk_full'
const body = await fixture('stripe.json')
const mountPoint = join(tmpdir(), `txgate-tmpfs-${process.pid}`)
let mounted = false
try {
  mkdirSync(mountPoint, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' })
  mounted = true
} catch {
  console.warn(`spool-disk-full: skipped, a tmpfs cannot be mounted here (needs root) at ${mountPoint}`)
}
let gateway: GatewayProcess | undefined
afterAll(async () => {
  await gateway?.stop('SIGKILL')
  if (mounted) execFileSync('umount', ['-l', mountPoint])
  rmSync(mountPoint, { recursive: true, force: true })
})

describe.skipIf(!mounted)('spool on a full disk', () => {
  it('answers 503 Retry-After while the disk is full, loses nothing acknowledged, recovers', async () => {
    const spool = join(mountPoint, 'spool')
    const filler = join(mountPoint, 'filler')
    writeFileSync(filler, Buffer.alloc(1536 * 1024)) // leaves about half a MiB for the spool
    gateway = await startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
      PORT: '0',
      HOST: '127.0.0.1',
      TXGATE_SPOOL_DIR: spool,
      STRIPE_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    })
    const g = gateway
    const send = async (id: string) => {
      const res = await postStripeEvent(g.url, body, id, SECRET)
      return { id, status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), text: await res.text() }
    }
    const answers = []
    for (let i = 0; i < 400; i++) answers.push(await send(`evt_full_${i}`))
    const refused = answers.filter((a) => a.status !== 200)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((a) => a.status === 503 && a.retryAfter === '30')).toBe(true)
    expect(refused[0]?.type).toContain('application/problem+json')
    expect(refused[0]?.text).toContain('disk is full')

    rmSync(filler) // space returns: accepted again, no restart
    expect((await send('evt_full_after')).status).toBe(200)

    await g.stop('SIGKILL')
    const stored = new Set<string>()
    for await (const r of readSpool(spool)) stored.add(r.headers['event_id'] ?? '')
    const acknowledged = answers.filter((a) => a.status === 200).map((a) => (JSON.parse(a.text) as { event_id: string }).event_id)
    expect(acknowledged.length).toBeGreaterThan(0)
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    console.log(`spool-disk-full: ${acknowledged.length} acknowledged and kept, ${refused.length} refused with 503`)
  }, 60_000)
})
