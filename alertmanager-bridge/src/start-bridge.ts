import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { Logger } from '@sextant/log';
import { isRetryable } from '@sextant/storage';
import { createBridgeMetrics } from './bridge-metrics.ts';
import type { BridgeMetrics } from './bridge-metrics.ts';
import type { BridgeConfig } from './config.ts';
import { startSender } from './start-sender.ts';
import type { Sender } from './start-sender.ts';
import { storeWebhook } from './store-webhook.ts';
import { webhookPayloadSchema } from './webhook-payload.ts';

/** The webhook path Alertmanager posts to (ARCHITECTURE.md). */
export const WEBHOOK_PATH = '/api/alertmanager/webhook';
const BODY_LIMIT = 4 * 1_048_576;

export interface StartBridgeOptions {
  config: BridgeConfig;
  storage: { pool: pg.Pool };
  log: Logger;
}

/** A running bridge. */
export interface RunningBridge {
  /** `http://host:port`. */
  url: string;
  metrics: BridgeMetrics;
  /** The outbound side; undefined without ALERTMANAGER_URL. */
  sender: Sender | undefined;
  close(): Promise<void>;
}

class HttpProblem extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new HttpProblem(413, `body larger than ${BODY_LIMIT} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Starts the bridge: `POST /api/alertmanager/webhook` (Alertmanager's webhook v4 → Sextant's
 * alerts; 400 for a bad payload, 503 only when storage fails, so Alertmanager retries then),
 * `GET /healthz`, `GET /metrics`, and, with ALERTMANAGER_URL, the sender of Sextant's alerts.
 */
export async function startBridge(options: StartBridgeOptions): Promise<RunningBridge> {
  const { config, storage } = options;
  const log = options.log.child({ module: 'alertmanager-bridge' });
  const metrics = createBridgeMetrics();

  async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (config.BRIDGE_WEBHOOK_TOKEN !== undefined && !bearerMatches(req.headers.authorization, config.BRIDGE_WEBHOOK_TOKEN)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpProblem(401, 'a bearer token is required (BRIDGE_WEBHOOK_TOKEN)');
    }
    const text = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpProblem(400, 'the body is not JSON');
    }
    const parsed = webhookPayloadSchema.safeParse(json);
    if (!parsed.success) {
      throw new HttpProblem(400, `not an Alertmanager webhook payload: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    }
    for (const alert of parsed.data.alerts) metrics.received.inc({ status: alert.status });
    try {
      const changed = await storeWebhook(storage.pool, parsed.data.alerts);
      send(res, 200, { status: 'success', changed: changed.length });
    } catch (err) {
      log.error({ err }, 'cannot store webhook alerts');
      throw new HttpProblem(isRetryable(err) ? 503 : 500, 'storing the alerts failed; retry later');
    }
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async (): Promise<void> => {
      if (path === WEBHOOK_PATH) {
        if (req.method !== 'POST') throw new HttpProblem(405, 'use POST');
        await webhook(req, res);
      } else if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        send(res, 200, { status: 'ok' });
      } else if (path === '/metrics' && req.method === 'GET') {
        send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
      } else {
        throw new HttpProblem(404, 'not found');
      }
    };
    route().then(
      () => (path === WEBHOOK_PATH ? metrics.webhooks.inc({ code: String(res.statusCode) }) : undefined),
      (err: unknown) => {
        const status = err instanceof HttpProblem ? err.status : 500;
        if (path === WEBHOOK_PATH) metrics.webhooks.inc({ code: String(status) });
        if (!(err instanceof HttpProblem)) log.error({ err }, 'bridge request failed');
        if (!res.headersSent) send(res, status, { status: 'error', error: err instanceof HttpProblem ? err.message : 'internal error' });
      },
    );
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.BRIDGE_PORT, config.BRIDGE_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.BRIDGE_HOST === '0.0.0.0' ? '127.0.0.1' : config.BRIDGE_HOST.includes(':') ? `[${config.BRIDGE_HOST}]` : config.BRIDGE_HOST;
  const url = `http://${host}:${port}`;
  const alertmanagers = config.ALERTMANAGER_URL ?? [];
  const sender = alertmanagers.length === 0
    ? undefined
    : startSender({
      pool: storage.pool, log, metrics, alertmanagers, resendDelayMs: config.BRIDGE_RESEND_DELAY, intervalMs: config.BRIDGE_SEND_INTERVAL,
      timeoutMs: config.BRIDGE_SEND_TIMEOUT, resolvedRetentionMs: config.BRIDGE_RESOLVED_RETENTION, externalUrl: config.BRIDGE_EXTERNAL_URL,
    });
  log.info({ url, alertmanagers, webhookAuth: config.BRIDGE_WEBHOOK_TOKEN !== undefined }, 'alertmanager bridge listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    metrics,
    sender,
    close: () =>
      (closing ??= (async () => {
        await sender?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      })()),
  };
}
