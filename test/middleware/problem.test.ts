/**
 * Problem bodies quote the request where it helps (the unknown provider or tenant of the path),
 * but never a card number or a credential in it: the detail is scrubbed like a log line.
 */
import { describe, expect, it } from 'vitest'
import { createTestGateway } from '../helpers/app.ts'

const g = createTestGateway({ STRIPE_WEBHOOK_SECRET: 'whsec_problem_test_secret' })

async function problem(path: string): Promise<{ status: number; text: string; detail: string }> {
  const res = await g.app.request(`http://gateway.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  const text = await res.text()
  return { status: res.status, text, detail: (JSON.parse(text) as { detail: string }).detail }
}

describe('middleware: problem bodies', () => {
  it('name an unknown provider or tenant, but not a card number sent in its place', async () => {
    for (const [path, pan] of [
      ['/webhooks/v1/4111111111111111/events', '4111111111111111'],
      ['/webhooks/v1/stripe/events/4111111111111111', '4111111111111111'],
      ['/webhooks/v1/stripe/events/5500-0055-5555-5559', '5500-0055-5555-5559'],
    ] as const) {
      const p = await problem(path)
      expect(p.status).toBe(404)
      expect(p.text).not.toContain(pan)
      expect(p.text).not.toContain(pan.replace(/\D/g, ''))
      expect(p.detail).toContain('[redacted-pan]')
    }
  })

  it('keep quoting what is not sensitive', async () => {
    expect((await problem('/webhooks/v1/nope/events')).detail).toBe('no configured provider "nope"')
    // 16 digits failing Luhn are an ordinary id.
    expect((await problem('/webhooks/v1/stripe/events/4111111111111112')).detail).toContain('"4111111111111112"')
  })
})
