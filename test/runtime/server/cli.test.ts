import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { openSpool } from '../../../src/runtime/server/spool.ts'
import type { KafkaRecord } from '../../../src/publish/types.ts'
import { tempDir } from '../../helpers/temp-dir.ts'

const run = promisify(execFile)
const txgate = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['bin/txgate.js', ...args], { env: { ...process.env, ...env } })

describe('runtime/server: txgate CLI', () => {
  it('lists its commands and exits 2 on an unknown one', async () => {
    const { stdout } = await txgate(['help'])
    expect(stdout).toMatch(/spool/)
    expect(stdout).toMatch(/schema/)
    await expect(txgate(['nope'])).rejects.toMatchObject({ code: 2 })
  })

  it('spool dump prints one {topic,key,headers,value} object a line, filtered by --topic', async () => {
    const dir = await tempDir('cli')
    const spool = await openSpool({ dir, maxBytes: 1 << 20 })
    const rec = (topic: string, n: number): KafkaRecord => ({
      topic,
      key: `stripe:pi_${n}`,
      headers: { event_id: `e${n}` },
      value: { transaction_id: `pi_${n}` } as unknown as KafkaRecord['value'],
    })
    await spool.append([rec('transactions.realtime', 1), rec('transactions.dlq', 2), rec('transactions.realtime', 3)])
    await spool.close()
    const all = (await txgate(['spool', 'dump', '--dir', dir])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(all).toHaveLength(3)
    expect(Object.keys(all[0]).sort()).toEqual(['headers', 'key', 'topic', 'value'])
    const dlq = (await txgate(['spool', 'dump', '--topic', 'transactions.dlq'], { TXGATE_SPOOL_DIR: dir })).stdout
    expect(dlq.trim().split('\n').map((l) => JSON.parse(l).key)).toEqual(['stripe:pi_2'])
  })

  it('schema prints the JSON Schema of TransactionMessage', async () => {
    const schema = JSON.parse((await txgate(['schema'])).stdout)
    expect(schema.$defs.TransactionMessage.required).toContain('amount')
  })

  it('sign prints a Stripe-Signature header that Stripe’s own SDK accepts', async () => {
    const dir = await tempDir('cli')
    const body = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' })
    await writeFile(join(dir, 'body.json'), body)
    const secret = 'whsec_cli_test'
    const out = (await txgate(['sign', 'stripe', '--file', join(dir, 'body.json')], { STRIPE_WEBHOOK_SECRET: secret })).stdout
    const header = /stripe-signature: ([^']+)'/.exec(out)?.[1] ?? ''
    expect(out).toMatch(/^curl /)
    expect(Stripe.webhooks.constructEvent(body, header, secret).id).toBe('evt_1')
  })

  it("sign --tenant signs with that tenant's secret only, for its route", async () => {
    const dir = await tempDir('cli')
    const body = JSON.stringify({ id: 'evt_2', type: 'payment_intent.succeeded' })
    await writeFile(join(dir, 'body.json'), body)
    const env = { STRIPE_WEBHOOK_SECRET: 'whsec_default', STRIPE_WEBHOOK_SECRET__ACME: 'whsec_acme' }
    const out = (await txgate(['sign', 'stripe', '--tenant', 'acme', '--file', join(dir, 'body.json')], env)).stdout
    expect(out).toContain('/webhooks/v1/stripe/events/acme')
    const header = /stripe-signature: ([^']+)'/.exec(out)?.[1] ?? ''
    expect(Stripe.webhooks.constructEvent(body, header, 'whsec_acme').id).toBe('evt_2')
    await expect(
      txgate(['sign', 'stripe', '--tenant', 'globex', '--file', join(dir, 'body.json')], env),
    ).rejects.toMatchObject({ code: 1 })
  })

  it('sign refuses a provider without a configured secret', async () => {
    await expect(txgate(['sign', 'stripe', '--file', 'package.json'], { STRIPE_WEBHOOK_SECRET: '' })).rejects.toMatchObject({ code: 1 })
  })
})
