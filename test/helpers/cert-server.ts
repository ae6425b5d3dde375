/** A loopback node:http server that serves PEM text at paths, as a provider's cert URL would. */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type CertServer = {
  /** `http://127.0.0.1:<port>` */
  base: string
  /** Path → what to answer: PEM text (200), or a function for odd answers. */
  routes: Map<string, string | ((res: ServerResponse) => void)>
  /** Requests seen per path (also for paths with no route). */
  hits: Map<string, number>
  /** Requests seen in all. */
  total(): number
  close(): Promise<void>
}

export async function serveCerts(): Promise<CertServer> {
  const routes: CertServer['routes'] = new Map()
  const hits = new Map<string, number>()
  const server = createServer((req, res) => {
    const path = req.url ?? ''
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const route = routes.get(path)
    if (typeof route === 'function') route(res)
    else if (route === undefined) res.writeHead(404).end()
    else res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(route)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    routes,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
