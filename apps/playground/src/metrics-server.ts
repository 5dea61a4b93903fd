import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics`, with the port actually bound (port 0 picks one). */
  readonly url: string
  close(): Promise<void>
}

/** Serves `GET /metrics` from `registry` on 127.0.0.1; everything else is a 404. */
export async function serveMetrics(registry: Registry, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (pathname !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
      return
    }
    registry.metrics().then(
      (body) => void res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) =>
        void res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${error}\n`),
    )
  })
  // Loopback only: the playground is a local tool, not something to expose on a network.
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      // A scraper's keep-alive connection would otherwise hold the process open.
      server.closeAllConnections()
      await closed
    },
  }
}
