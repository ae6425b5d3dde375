/** Shared by the queue-source tests: the Stripe fixture as a signed message, and polling a condition with a generous bound. */
import Stripe from 'stripe'
import { expect } from 'vitest'

/** The Stripe fixture with its event id replaced, and the `stripe-signature` header Stripe's SDK makes for it. */
export function signedStripe(fixtureBody: string, eventId: string, secret: string, nowMs: number): { payload: string; headers: Record<string, string> } {
  const payload = fixtureBody.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', eventId)
  const sig = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(nowMs / 1000) })
  return { payload, headers: { 'stripe-signature': sig } }
}

/** Waits until `cond` holds (checked every 25 ms, up to `ms`), then asserts it, so a timeout fails with the condition. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 25))
  expect(await cond()).toBe(true)
}
