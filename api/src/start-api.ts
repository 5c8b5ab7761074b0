import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createApp } from './create-app.ts';
import type { ApiApp, CreateAppOptions } from './create-app.ts';

/** A listening API. */
export interface RunningApi {
  /** `http://host:port`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  app: ApiApp;
  server: Server;
  /** Stops accepting connections, ends idle keep-alive ones and waits for requests in flight. */
  close(): Promise<void>;
}

/** `createApp(options)` listening on `API_PORT` at `API_HOST` (port 0 = any free port). */
export async function startApi(options: CreateAppOptions): Promise<RunningApi> {
  const app = createApp(options);
  const listening = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(options.config.API_PORT, options.config.API_HOST, () => {
      listening.off('error', reject);
      resolve();
    });
  });
  // Slow clients cannot hold a connection forever.
  listening.requestTimeout = 30_000;
  listening.headersTimeout = 15_000;
  const { port } = listening.address() as AddressInfo;
  const host = options.config.API_HOST.includes(':') ? `[${options.config.API_HOST}]` : options.config.API_HOST;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  options.log.info({ url }, 'api listening');
  let closed: Promise<void> | undefined;
  return {
    url,
    app,
    server: listening,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        listening.close((err) => (err === undefined ? resolve() : reject(err)));
        listening.closeIdleConnections();
      })),
  };
}
