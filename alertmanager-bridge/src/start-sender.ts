import pg from 'pg';
import { ALERT_CHANNEL } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import type { BridgeMetrics } from './bridge-metrics.ts';
import { toPostableAlert } from './postable-alert.ts';
import type { OutboxAlert } from './postable-alert.ts';

/** Alertmanager's default batch limit (Prometheus `DefaultMaxBatchSize`, compat §5.2). */
const BATCH = 256;
/** Batches per pass: bounds one pass; the rest goes at the next wake-up. */
const MAX_BATCHES = 40;

export interface SenderOptions {
  pool: pg.Pool;
  log: Logger;
  metrics: BridgeMetrics;
  alertmanagers: readonly string[];
  resendDelayMs: number;
  intervalMs: number;
  timeoutMs: number;
  resolvedRetentionMs: number;
  externalUrl: string | undefined;
}

export interface Sender {
  /** Resolves after the next complete pass. */
  nextPass(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sends Sextant's firing and resolved alerts to every Alertmanager, driven by the `alerts` table
 * (what was last sent, and when, is stored there, so a restart resends nothing twice early and
 * forgets nothing): a firing alert goes out when it fires and then every resend delay; a resolved
 * one when it resolves and then every resend delay for the resolved retention (compat §5.2).
 * Wakes on `ALERT_CHANNEL` and every `intervalMs`. An alert counts as delivered once one
 * Alertmanager accepted it (they gossip); failures are retried at the next pass.
 */
export function startSender(options: SenderOptions): Sender {
  const { pool, log, metrics } = options;
  const validForMs = 4 * Math.max(options.intervalMs, options.resendDelayMs);
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let listener: pg.Client | undefined;
  let waiters: (() => void)[] = [];

  async function post(url: string, body: string, count: number): Promise<'ok' | 'invalid' | 'failed'> {
    const target = `${url.replace(/\/$/, '')}/api/v2/alerts`;
    try {
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Sextant-bridge/0.1.0' }, body, signal: AbortSignal.timeout(options.timeoutMs) });
      const text = await res.text();
      if (res.ok) {
        metrics.sent.inc({ alertmanager: url }, count);
        return 'ok';
      }
      metrics.failed.inc({ alertmanager: url }, count);
      // 400: some alerts invalid, the valid ones were stored; resending would not help (compat §5.1).
      log.warn({ alertmanager: url, status: res.status, body: text.slice(0, 500) }, 'Alertmanager refused alerts');
      return res.status === 400 ? 'invalid' : 'failed';
    } catch (err) {
      metrics.failed.inc({ alertmanager: url }, count);
      log.warn({ err, alertmanager: url }, 'cannot send alerts to Alertmanager');
      return 'failed';
    }
  }

  async function pass(): Promise<void> {
    const due = `source <> 'alertmanager' AND NOT silenced AND (
        (status = 'firing' AND (am_sent_status IS DISTINCT FROM 'firing' OR am_sent_at <= now() - $1 * interval '1 millisecond'))
        OR (status = 'resolved' AND fired_at IS NOT NULL AND resolved_at > now() - $2 * interval '1 millisecond'
            AND (am_sent_status IS DISTINCT FROM 'resolved' OR am_sent_at <= now() - $1 * interval '1 millisecond')))`;
    const { rows: count } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM alerts WHERE ${due}`, [options.resendDelayMs, options.resolvedRetentionMs]);
    metrics.queue.set(Number(count[0]!.n));
    const skip = new Set<string>();
    for (let batch = 0; batch < MAX_BATCHES && !closed; batch++) {
      const { rows } = await pool.query<OutboxAlert>(
        `SELECT id, status, labels, annotations, fired_at, "timestamp", resolved_at, type FROM alerts WHERE ${due} AND NOT (id = ANY($3))
         ORDER BY updated_at, id LIMIT ${BATCH}`,
        [options.resendDelayMs, options.resolvedRetentionMs, [...skip]],
      );
      if (rows.length === 0) return;
      const now = Date.now();
      const body = JSON.stringify(rows.map((r) => toPostableAlert(r, now, validForMs, options.externalUrl)));
      const results = await Promise.all(options.alertmanagers.map((url) => post(url, body, rows.length)));
      if (results.every((r) => r === 'failed')) {
        // Every Alertmanager failed: try again at the next pass, not in a loop now.
        return;
      }
      for (const row of rows) skip.add(row.id);
      await pool.query(
        `UPDATE alerts a SET am_sent_status = s.status, am_sent_at = now()
         FROM unnest($1::uuid[], $2::text[]) AS s(id, status) WHERE a.id = s.id AND a.status = s.status`,
        [rows.map((r) => r.id), rows.map((r) => r.status)],
      );
    }
  }

  const kick = (): void => {
    if (closed) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        const done = waiters;
        waiters = [];
        try {
          await pass();
        } catch (err) {
          log.error({ err }, 'Alertmanager outbox pass failed; retrying at the next wake-up');
        }
        for (const resolve of done) resolve();
      } while (again && !closed);
    })().finally(() => (running = undefined));
  };

  let connecting = false;
  const listen = async (): Promise<void> => {
    if (connecting) return;
    connecting = true;
    const client = new pg.Client({ ...pool.options, keepAlive: true, application_name: 'sextant-bridge-listen' });
    client.on('error', (err) => {
      log.warn({ err }, 'bridge lost its LISTEN connection; the periodic pass goes on');
      if (listener === client) listener = undefined;
    });
    try {
      await client.connect();
      client.on('notification', kick);
      await client.query(`LISTEN ${ALERT_CHANNEL}`);
      if (closed) await client.end();
      else listener = client;
    } catch (err) {
      log.warn({ err }, 'bridge cannot LISTEN; the periodic pass goes on');
      await client.end().catch(() => undefined);
    } finally {
      connecting = false;
    }
  };

  const timer = setInterval(() => {
    if (listener === undefined && !closed) void listen();
    kick();
  }, options.intervalMs);
  void listen().then(kick);

  return {
    nextPass: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        if (running !== undefined) again = true;
        else kick();
      }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await running;
      for (const resolve of waiters) resolve();
      waiters = [];
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
  };
}
