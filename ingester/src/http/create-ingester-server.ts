import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Logger } from '@sextant/log';
import { createRemoteWriteHandler } from '../remote-write/remote-write-handler.ts';
import type { WriteSink } from '../remote-write/remote-write-handler.ts';
import { createIngesterMetrics } from './ingester-metrics.ts';
import type { IngesterMetrics } from './ingester-metrics.ts';
import { createRemoteWriteAuth } from './remote-write-auth.ts';
import type { RemoteWriteAuth } from './remote-write-auth.ts';

export interface IngesterServerOptions {
  /** Takes each decoded remote-write batch; resolves after COMMIT (the writer plus snapshot derivation). */
  sink: WriteSink;
  /** Pool for token checks and `/readyz`. */
  pool: pg.Pool;
  log: Logger;
  /** Registry served at `/metrics`; default a fresh one with prom-client's process metrics. Others
   * (scrape manager, buffer) register their metrics in `server.metrics.registry`. */
  registry?: Registry;
  /** `token` (default): remote write needs an API token with the `remote_write` scope; `open`: anyone. */
  remoteWriteAuth?: RemoteWriteAuth;
  /** How long an accepted token is trusted before the database is asked again (ms); default 5000. */
  authCacheMs?: number;
  /** Largest compressed remote-write body (bytes); default 32 MiB. Larger → 413. */
  maxBodyBytes?: number;
  /** Largest decompressed remote-write body (bytes); default 8 × `maxBodyBytes`. */
  maxDecodedBytes?: number;
  /** Extra readiness condition for `/readyz` besides the database answering; default none. */
  ready?: () => boolean;
  /** How long `close()` waits for requests in flight before cutting connections (ms); default 10 000. */
  closeTimeoutMs?: number;
  /** PEM certificate and key: serve HTTPS. Default none (HTTP). */
  tls?: { cert: Buffer; key: Buffer };
}

/** The ingester's HTTP server: `POST /api/v1/write`, `GET /metrics`, `/healthz`, `/readyz`. */
export interface IngesterServer {
  /** Starts listening; resolves with the base URL (`http://host:port`). Port 0 picks a free one. */
  listen(port: number, host?: string): Promise<string>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  readonly metrics: IngesterMetrics;
  /** Stops accepting, lets requests in flight finish (each is acknowledged only after its commit), then closes. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

/** Creates (does not start) the ingester's HTTP server. */
export function createIngesterServer(options: IngesterServerOptions): IngesterServer {
  const log = options.log.child({ module: 'ingester-http' });
  const metrics = createIngesterMetrics(options.registry);
  const remoteWrite = createRemoteWriteHandler({
    sink: options.sink,
    log: options.log,
    metrics,
    authorize: createRemoteWriteAuth({ pool: options.pool, mode: options.remoteWriteAuth ?? 'token', cacheMs: options.authCacheMs }),
    maxBodyBytes: options.maxBodyBytes,
    maxDecodedBytes: options.maxDecodedBytes,
  });

  async function databaseReady(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    try {
      return await Promise.race([options.pool.query('SELECT 1').then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  function text(res: ServerResponse, status: number, body: string): void {
    res.statusCode = status;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`${body}\n`);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/v1/write') return remoteWrite(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return text(res, path === '/metrics' || path === '/healthz' || path === '/readyz' ? 405 : 404, 'not found');
    }
    if (path === '/metrics') {
      const body = await metrics.registry.metrics();
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(body);
      return;
    }
    if (path === '/healthz') return text(res, 200, 'ok');
    if (path === '/readyz') {
      const ok = (options.ready?.() ?? true) && (await databaseReady());
      return text(res, ok ? 200 : 503, ok ? 'ready' : 'not ready: the database does not answer');
    }
    return text(res, 404, 'not found');
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    });
  };
  const server: Server = options.tls === undefined ? createServer(handle) : createSecureServer(options.tls, handle);
  let url: string | undefined;
  let closing: Promise<void> | undefined;

  return {
    metrics,
    get url() {
      return url;
    },
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          url = `${options.tls === undefined ? 'http' : 'https'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
          log.info({ url }, 'ingester listening');
          resolve(url);
        });
      }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => server.closeAllConnections(), options.closeTimeoutMs ?? 10_000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
