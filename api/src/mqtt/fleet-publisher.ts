import type pg from 'pg';
import { decodeIngestNotification, INGEST_CHANNEL, mqttSnapshotSchema, mqttSnapshotTopic, mqttStatusSchema, mqttStatusTopic } from '@sextant/contracts';
import type { Logger } from '@sextant/log';
import { homeAssistantDiscovery } from './home-assistant-discovery.ts';
import type { MqttMessage } from './outbox.ts';
import { readFleet } from './read-fleet.ts';
import type { FleetRow } from './read-fleet.ts';

export interface FleetPublisherOptions {
  pool: pg.Pool;
  publish: (message: MqttMessage) => void;
  log: Logger;
  /** Full re-read of every server, in case a notification was missed. */
  resyncIntervalMs: number;
  /** Home Assistant discovery prefix; unset → no discovery configs. */
  homeAssistantPrefix?: string;
  /** Pause after a failed read or a lost LISTEN connection, doubled per failure up to 30 s. Default 500 ms. */
  retryMs?: number;
}

export interface FleetPublisher {
  /** Forget what was published and publish every server again (after a broker lost its retained state). */
  republishAll(): void;
  /** Resolves once nothing is waiting to be read (tests and benchmarks use it). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Published {
  name: string;
  snapshotAt?: number;
  status?: FleetRow['status'];
  since?: string;
}

/**
 * Publishes servers' retained snapshot and status topics after their data is committed. It LISTENs
 * on the ingester's channel (a wake-up only), reads the named servers' newest committed rows (and
 * those of servers whose row changed since, e.g. marked down) and publishes what changed;
 * notifications arriving meanwhile coalesce into the next read. At start,
 * after a lost LISTEN connection, and every `resyncIntervalMs` it re-reads every server.
 */
export async function startFleetPublisher(options: FleetPublisherOptions): Promise<FleetPublisher> {
  const log = options.log;
  const retryMs = options.retryMs ?? 500;
  const published = new Map<string, Published>();
  const pending = new Set<string>();
  let everything = true;
  let closed = false;
  let running: Promise<void> | undefined;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let listener: pg.PoolClient | undefined;
  let idleWaiters: (() => void)[] = [];
  let changedSince: Date | undefined;
  // A notification arrived since the last read (it may name no server: a status changed).
  let notified = false;

  const publishRow = (row: FleetRow): void => {
    const last = published.get(row.id);
    const entry: Published = last?.name === row.name ? last : { ...last, name: row.name };
    if (entry !== last && options.homeAssistantPrefix !== undefined) {
      for (const message of homeAssistantDiscovery(options.homeAssistantPrefix, row)) options.publish(message);
    }
    if (entry.status !== row.status) {
      // `since`: when Sextant saw the change; for a status found at start, the row's last update.
      const since = (entry.status === undefined ? row.updatedAt : new Date()).toISOString();
      const payload = mqttStatusSchema.parse({ serverId: row.id, status: row.status, since });
      options.publish({ topic: mqttStatusTopic(row.id), payload: JSON.stringify(payload), qos: 1, retain: true });
      entry.status = row.status;
      entry.since = since;
    }
    const snapshot = row.snapshot;
    if (snapshot !== null && (entry.snapshotAt === undefined || snapshot.timestamp.getTime() > entry.snapshotAt)) {
      const payload = mqttSnapshotSchema.parse({ serverId: row.id, name: row.name, ...snapshot, timestamp: snapshot.timestamp.toISOString() });
      options.publish({ topic: mqttSnapshotTopic(row.id), payload: JSON.stringify(payload), qos: 0, retain: true });
      entry.snapshotAt = snapshot.timestamp.getTime();
    }
    published.set(row.id, entry);
  };

  const drain = async (): Promise<void> => {
    // Each round takes everything that piled up; bounded by `closed` and by the work arriving.
    while (!closed && (everything || notified)) {
      const ids = everything ? undefined : [...pending];
      everything = false;
      notified = false;
      pending.clear();
      try {
        // Besides the servers a notification names, those whose row changed since the last read:
        // the ingester updates a server's status (scrape failed → down) without a snapshot row.
        // On the LISTEN connection while it lasts: one backend for the publisher's life, its caches and
        // statements warm (a pooled one is closed after a quiet spell and the next read starts cold).
        const rows = await readFleet(listener ?? options.pool, ids === undefined ? undefined : { ids, changedSince });
        for (const row of rows) publishRow(row);
        if (rows[0] !== undefined) changedSince = rows[0].readAt;
        failures = 0;
      } catch (err) {
        if (ids === undefined) everything = true;
        else {
          notified = true;
          for (const id of ids) pending.add(id);
        }
        if (!closed) scheduleRetry(err, 'MQTT publisher could not read the fleet');
        return;
      }
    }
  };

  const kick = (): void => {
    if (closed || running !== undefined || retry !== undefined) return;
    running = drain().finally(() => {
      running = undefined;
      if (!closed && retry === undefined && (everything || notified)) kick();
      else if (retry === undefined) for (const resolve of idleWaiters.splice(0)) resolve();
    });
  };

  const scheduleRetry = (err: unknown, message: string): void => {
    const delay = Math.min(30_000, retryMs * 2 ** Math.min(failures, 10));
    failures++;
    log.warn({ err, delayMs: delay }, message);
    retry = setTimeout(() => {
      retry = undefined;
      if (listener === undefined) void listen();
      else kick();
    }, delay);
  };

  const onNotification = (message: pg.Notification): void => {
    if (message.channel !== INGEST_CHANNEL) return;
    notified = true;
    try {
      for (const id of decodeIngestNotification(message.payload ?? '').serverIds) pending.add(id);
    } catch (err) {
      log.warn({ err }, 'unreadable ingest notification: re-reading every server');
      everything = true;
    }
    kick();
  };

  const listen = async (): Promise<void> => {
    let acquired: pg.PoolClient | undefined;
    try {
      const client = await options.pool.connect();
      acquired = client;
      client.on('notification', onNotification);
      client.on('error', (err) => {
        if (listener !== client) return;
        listener = undefined;
        client.release(err);
        everything = true;
        if (!closed && retry === undefined) scheduleRetry(err, 'MQTT publisher lost its LISTEN connection');
      });
      await client.query(`LISTEN ${INGEST_CHANNEL}`);
      // Plans the per-notification read and loads the snapshot partitions' metadata now, so the
      // first notification does not pay for it (tens of milliseconds on a fresh, busy backend).
      await readFleet(client, { ids: [], changedSince: new Date() });
      if (closed) {
        client.release();
        return;
      }
      listener = client;
      // Anything committed while nobody listened is found by reading everything once.
      everything = true;
      kick();
    } catch (err) {
      // A connection that failed half-way is not kept (nor handed back to the pool as healthy).
      acquired?.release(err instanceof Error ? err : new Error(String(err)));
      if (!closed) scheduleRetry(err, 'MQTT publisher cannot LISTEN');
    }
  };

  await listen();
  const resync = setInterval(() => {
    everything = true;
    kick();
  }, options.resyncIntervalMs);
  resync.unref();

  return {
    republishAll() {
      published.clear();
      everything = true;
      kick();
    },
    idle: () =>
      running === undefined && retry === undefined && !everything && !notified
        ? Promise.resolve()
        : new Promise((resolve) => idleWaiters.push(resolve)),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(resync);
      clearTimeout(retry);
      await running;
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
      const client = listener;
      listener = undefined;
      if (client !== undefined) {
        await client.query(`UNLISTEN ${INGEST_CHANNEL}`).catch(() => undefined);
        client.release();
      }
    },
  };
}
