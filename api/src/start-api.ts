import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import { startAlertEngine } from './alerts/alert-engine.ts';
import type { AlertEngine, AlertEngineOptions } from './alerts/alert-engine.ts';
import { createApp } from './create-app.ts';
import type { ApiApp, CreateAppOptions } from './create-app.ts';
import type { AlertEvents } from './mqtt/alert-events.ts';

/** A listening API. */
export interface RunningApi {
  /** `http://host:port` (`https://` with API_TLS_CERT_FILE), e.g. `http://127.0.0.1:8080`. */
  url: string;
  app: ApiApp;
  server: Server;
  /** This process's alert engine (evaluating while it holds the lease); undefined with `alertEngine: false`. */
  alertEngine: AlertEngine | undefined;
  /** Stops accepting connections, ends idle keep-alive ones and waits for requests in flight. */
  close(): Promise<void>;
}

export interface StartApiOptions extends CreateAppOptions {
  /** Where alert changes are announced (the MQTT fan-out subscribes); default none. */
  alertEvents?: AlertEvents;
  /** Alert engine settings, or false for an API that never evaluates alert rules; default on. */
  alertEngine?: false | Omit<AlertEngineOptions, 'pool' | 'log' | 'events'>;
}

/**
 * `createApp(options)` listening on `API_PORT` at `API_HOST` (port 0 = any free port), with an
 * alert engine competing for the evaluation lease.
 */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { API_TLS_CERT_FILE: certFile, API_TLS_KEY_FILE: keyFile } = options.config;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('API_TLS_CERT_FILE and API_TLS_KEY_FILE must be set together');
  const tls = certFile !== undefined && keyFile !== undefined ? { cert: await readFile(certFile), key: await readFile(keyFile) } : undefined;
  const app = createApp(options);
  const listening: Server = tls === undefined ? createServer(app.callback()) : createSecureServer(tls, app.callback());
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
  const url = `${tls === undefined ? 'http' : 'https'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  options.log.info({ url }, 'api listening');
  const alertEngine = options.alertEngine === false
    ? undefined
    : startAlertEngine({ ...options.alertEngine, pool: options.storage.pool, log: options.log, ...(options.alertEvents === undefined ? {} : { events: options.alertEvents }) });
  let closed: Promise<void> | undefined;
  return {
    url,
    app,
    server: listening,
    alertEngine,
    close: () =>
      (closed ??= (async () => {
        await alertEngine?.close();
        await new Promise<void>((resolve, reject) => {
          listening.close((err) => (err === undefined ? resolve() : reject(err)));
          listening.closeIdleConnections();
        });
      })()),
  };
}
