/** POSTs the Stripe fixture with its event id replaced, signed by Stripe's SDK, to a running gateway. */
import Stripe from 'stripe'

export async function postStripeEvent(baseUrl: string, fixtureBody: string, eventId: string, secret: string): Promise<Response> {
  const payload = fixtureBody.replace('evt_1MoS6tLgUG5tbmjchDsX6fiT', eventId)
  return fetch(`${baseUrl}/webhooks/v1/stripe/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }),
    },
    body: payload,
  })
}
