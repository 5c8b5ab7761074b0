import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { Logger } from '@sextant/log';
import { CONTENT_TYPES, negotiateFormat } from './negotiate-format.ts';
import type { ExpositionFormat } from './serialize-exposition.ts';

const gzipAsync = promisify(gzip);

// node:http is taken from process.getBuiltinModule, not `import`: an ESM import of a builtin reads
// every export, and http's lazy WebSocket/CloseEvent/MessageEvent getters then load undici (~14 MiB
// of RSS). node:https (and with it tls) is loaded only when TLS is configured.
const http = process.getBuiltinModule('node:http');

const LANDING = `<!doctype html><html><head><title>Sextant exporter</title></head><body><h1>Sextant exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>\n`;

export interface MetricsServerOptions {
  /** Produces the exposition body in the negotiated format. */
  render(format: ExpositionFormat): Promise<string>;
  /** Checks the Authorization header for /metrics; null leaves /metrics open. */
  authorize: ((authorization: string | undefined) => boolean) | null;
  tls?: { cert: Buffer; key: Buffer } | undefined;
  log: Logger;
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  return header !== undefined && /\bgzip\b(?!;\s*q=0(\.0*)?(,|$))/i.test(header);
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  if (options.authorize !== null && !options.authorize(req.headers.authorization)) {
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Basic realm="sextant-exporter"' });
    res.end('Unauthorized\n');
    return;
  }
  const format = negotiateFormat(req.headers.accept);
  const body = await options.render(format);
  const headers: Record<string, string | number> = { 'content-type': CONTENT_TYPES[format], vary: 'Accept, Accept-Encoding' };
  if (acceptsGzip(req)) {
    // Fastest level: an exposition is ~40 KB of repetitive text that compresses ~8× even so, and
    // the scrape's latency matters more than a few hundred bytes.
    const zipped = await gzipAsync(body, { level: constants.Z_BEST_SPEED });
    headers['content-encoding'] = 'gzip';
    headers['content-length'] = zipped.length;
    res.writeHead(200, headers);
    res.end(zipped);
  } else {
    headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(200, headers);
    res.end(body);
  }
}

/** The exporter's HTTP(S) server: GET /metrics, /healthz and a landing page at /. */
export function createMetricsServer(options: MetricsServerOptions): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      serveMetrics(req, res, options).catch((err: unknown) => {
        options.log.error({ err }, 'scrape failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('scrape failed\n');
      });
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LANDING);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    }
  };
  return options.tls === undefined
    ? http.createServer(handler)
    : process.getBuiltinModule('node:https').createServer({ cert: options.tls.cert, key: options.tls.key }, handler);
}
