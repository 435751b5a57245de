import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Log } from '../../lib/log.js';

/**
 * /metrics, read-only, nothing else. It carries no secrets: labels are object
 * names and states only. Scrapes are served from prom-client's registry; the
 * collectors read /proc and the drivers' last observations, never a daemon.
 */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  log: Log,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) =>
          res
            .writeHead(200, { 'content-type': registry.contentType })
            .end(req.method === 'HEAD' ? undefined : body),
        (e: unknown) => {
          log.error({ err: (e as Error).message }, 'metrics collection failed');
          res.writeHead(500).end('collection failed\n');
        },
      );
      return;
    }
    if (path === '/' || path === '/healthz') {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(path === '/' ? 'plinth: see /metrics\n' : 'ok\n');
      return;
    }
    res.writeHead(404).end('not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
