import { request } from 'node:http'

/**
 * POST whose answer is kept when it comes before the body is all written. A server may answer 413
 * from the declared Content-Length and close the connection with the body unread (workerd does);
 * the client's next write then fails with ECONNRESET, and undici's fetch drops the answer it
 * already has with it. A provider's HTTP client sees that 413 too, so the test should.
 */
export function postKeepingEarlyAnswer(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const out = new Headers()
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') out.set(name, value)
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: out }))
      })
      res.on('error', reject)
    })
    // A write that fails after the answer came is the server closing early, not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err)
    })
    req.end(body)
  })
}
