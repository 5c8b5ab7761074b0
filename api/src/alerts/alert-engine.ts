import pg from 'pg';
import { ALERT_CHANNEL, INGEST_CHANNEL } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import type { AlertEvents } from '../mqtt/alert-events.ts';
import { toAlertEvent } from '../mqtt/alert-events.ts';
import { createEngine } from '../promql/engine.ts';
import { createSqlSeriesSource } from '../promql/sql-series-source.ts';
import { ALERT_COLUMNS, alertFromRow } from './alert-row.ts';
import type { AlertRow } from './alert-row.ts';
import { evaluateAlerts } from './evaluate-alerts.ts';

/** The advisory lock whose holder is the one evaluating engine (ARCHITECTURE.md: alert-evaluation lease). */
export const ALERT_LEASE_KEY = 7_355_000;
/** Default period of the engine's evaluation tick. */
export const ALERT_EVAL_INTERVAL_MS = 15_000;

export interface AlertEngineOptions {
  pool: pg.Pool;
  log: Logger;
  /** Where committed alert changes are announced (MQTT fan-out); the lease holder relays them. */
  events?: AlertEvents;
  /** Periodic evaluation besides the per-batch wake-up; default 15 s. */
  intervalMs?: number;
  /** How often a process without the lease tries to take it; default 5 s. */
  leaseRetryMs?: number;
  /** Snapshot staleness and catch-up window, see `evaluateAlerts`. */
  staleMs?: number;
  catchUpMs?: number;
}

/** The alert engine of one API process; it evaluates only while it holds the lease. */
export interface AlertEngine {
  /** Whether this process holds the lease now. */
  readonly leader: boolean;
  /** Resolves after the next complete pass of this process (it must hold the lease). */
  nextPass(): Promise<void>;
  /** Stops evaluating and gives the lease up. */
  close(): Promise<void>;
}

/**
 * Starts competing for the lease: a session advisory lock held on a dedicated connection, so it is
 * released the moment the holder dies. The holder LISTENs for ingested batches (evaluating once per
 * wake-up, coalesced), evaluates every `intervalMs`, and relays `ALERT_CHANNEL` notifications
 * (its own transitions, acks, Alertmanager webhooks) as alert events, after their commit.
 */
export function startAlertEngine(options: AlertEngineOptions): AlertEngine {
  const log = options.log.child({ module: 'alert-engine' });
  const promql = createEngine({ source: createSqlSeriesSource({ pool: options.pool }) });
  const intervalMs = options.intervalMs ?? ALERT_EVAL_INTERVAL_MS;
  const retryMs = options.leaseRetryMs ?? 5000;
  let lease: pg.Client | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let tick: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let passWaiters: (() => void)[] = [];

  const pass = async (): Promise<void> => {
    do {
      again = false;
      // Waiters that arrive while this pass runs wait for the next one.
      const waiters = passWaiters;
      passWaiters = [];
      try {
        await evaluateAlerts({ pool: options.pool, promql, log, ...(options.staleMs === undefined ? {} : { staleMs: options.staleMs }), ...(options.catchUpMs === undefined ? {} : { catchUpMs: options.catchUpMs }) });
      } catch (err) {
        log.error({ err }, 'alert evaluation failed; retrying at the next wake-up');
      }
      for (const resolve of waiters) resolve();
    } while (again && lease !== undefined && !closed);
  };
  const kick = (): void => {
    if (lease === undefined || closed) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = pass().finally(() => (running = undefined));
  };

  const relay = async (id: string): Promise<void> => {
    if (options.events === undefined) return;
    try {
      const { rows } = await options.pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
      if (rows[0] === undefined || rows[0].silenced) return;
      const event = toAlertEvent(alertFromRow(rows[0]));
      if (event !== undefined) options.events.emit(event);
    } catch (err) {
      log.warn({ err, alertId: id }, 'cannot relay an alert change');
    }
  };

  const lost = (client: pg.Client, err: unknown): void => {
    if (lease !== client) return;
    lease = undefined;
    clearInterval(tick);
    log.warn({ err }, 'alert-evaluation lease lost');
    client.end().catch(() => undefined);
    schedule();
  };

  const attempt = async (): Promise<void> => {
    retry = undefined;
    const client = new pg.Client({ ...options.pool.options, keepAlive: true, application_name: 'sextant-alert-lease' });
    client.on('error', (err) => lost(client, err));
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [ALERT_LEASE_KEY]);
      if (!rows[0]!.ok || closed) {
        await client.end();
        schedule();
        return;
      }
      client.on('notification', (message) => {
        if (message.channel === INGEST_CHANNEL) kick();
        else if (message.channel === ALERT_CHANNEL && message.payload !== undefined) void relay(message.payload);
      });
      client.on('end', () => lost(client, new Error('lease connection ended')));
      await client.query(`LISTEN ${INGEST_CHANNEL}`);
      await client.query(`LISTEN ${ALERT_CHANNEL}`);
      lease = client;
      log.info('alert-evaluation lease taken: this process evaluates alert rules');
      tick = setInterval(kick, intervalMs);
      kick();
    } catch (err) {
      log.warn({ err }, 'cannot take the alert-evaluation lease');
      await client.end().catch(() => undefined);
      schedule();
    }
  };
  function schedule(): void {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => void attempt(), retryMs);
  }

  void attempt();
  return {
    get leader() {
      return lease !== undefined;
    },
    nextPass: () =>
      new Promise<void>((resolve) => {
        passWaiters.push(resolve);
        if (running !== undefined) again = true;
        else kick();
      }),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      clearInterval(tick);
      await running;
      for (const resolve of passWaiters) resolve();
      passWaiters = [];
      const client = lease;
      lease = undefined;
      if (client !== undefined) await client.end().catch(() => undefined);
    },
  };
}
