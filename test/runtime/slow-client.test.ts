/**
 * Slow clients against the Node server: one that trickles its headers, or its body, is answered
 * 408 and its socket closed once the bound passes, while other requests are served meanwhile.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { startGateway, type GatewayProcess } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp-dir.ts'

let gateway: GatewayProcess | undefined
afterAll(async () => {
  await gateway?.stop('SIGKILL')
})

/** Writes `first`, then a byte every 100 ms; resolves with what came back and when, once closed. */
function trickle(url: string, first: string): Promise<{ answer: string; ms: number }> {
  const { hostname, port } = new URL(url)
  const started = Date.now()
  return new Promise((resolve, reject) => {
    let drip: ReturnType<typeof setInterval> | undefined
    // The drip starts once `first` is written: a socket is writable before it connects, and an
    // 'x' queued ahead of the request line (a slow connect on a loaded machine) is a 400, not a 408.
    const socket: Socket = connect(Number(port), hostname, () => {
      socket.write(first)
      drip = setInterval(() => socket.writable && socket.write('x'), 100)
    })
    let answer = ''
    socket.on('data', (d) => (answer += d.toString()))
    socket.on('error', () => {}) // a reset after the 408 is the end we expect
    socket.on('close', () => {
      clearInterval(drip)
      resolve({ answer, ms: Date.now() - started })
    })
    setTimeout(() => reject(new Error('the socket was never closed')), 10_000)
  })
}

describe('slow clients (Node server)', () => {
  it('answers 408 to trickled headers and to a trickled body, and keeps serving others', async () => {
    gateway = await startGateway([process.execPath, '--import', 'tsx', 'src/runtime/node.ts'], {
      PORT: '0',
      HOST: '127.0.0.1',
      TXGATE_SPOOL_DIR: await tempDir('slow-client'),
      STRIPE_WEBHOOK_SECRET: 'whsec_slow',
      TXGATE_HEADERS_TIMEOUT_MS: '500',
      TXGATE_REQUEST_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'warn',
    })
    const g = gateway
    const headers = trickle(g.url, 'POST /webhooks/v1/stripe/events HTTP/1.1\r\nHost: x\r\nX-Slow: ')
    const body = trickle(
      g.url,
      'POST /webhooks/v1/stripe/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    )
    // Served while both slow clients hold their sockets.
    expect((await fetch(`${g.url}/health`)).status).toBe(200)

    const h = await headers
    expect(h.answer).toMatch(/^HTTP\/1\.1 408/)
    expect(h.ms).toBeLessThan(3000)
    const b = await body
    expect(b.answer).toMatch(/^HTTP\/1\.1 408/)
    expect(b.ms).toBeGreaterThanOrEqual(1400)
    expect(b.ms).toBeLessThan(5000)
  }, 30_000)
})
