// Issue 6, Must-show 3: two real `sextant api` processes share one database; the one holding the
// alert-evaluation lease is SIGKILLed while an alert is pending, and the survivor carries the alert
// on (firing after `for` counted from the first breaching snapshot, then resolving), with no
// transition lost or written twice.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_LEASE_KEY } from '@sextant/api';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { freePort, waitFor } from '@sextant/testkit/process';
import { startSextant } from '../../bench/reliability/sextant-process.ts';
import type { SextantProcess } from '../../bench/reliability/sextant-process.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const ADMIN_PASSWORD = 'failover-admin-password';
const SECRET = 'failover-test-jwt-secret-0123456789abcdef';
const FOR_MS = 10_000;
const LEASE_TAKEN = 'alert-evaluation lease taken';

interface Api {
  name: string;
  proc: SextantProcess;
  url: string;
  mqttPort: number;
  /** Alert events its embedded broker delivered: `${alertId} ${status}`. */
  events: string[];
  mqtt?: MqttClient;
}

interface AlertRow {
  id: string;
  status: string;
  fingerprint: string;
  value: number | null;
  timestamp: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
}

describe('alert evaluation across two API processes', () => {
  let dir = '';
  let embedded: EmbeddedPostgresHandle | undefined;
  let database: TestDatabase | undefined;
  let storage: Storage;
  let listener: PoolClient | undefined;
  const apis: Api[] = [];
  /** Payloads (alert ids) of every `sextant_alert` notification, in order. */
  const alertNotifications: string[] = [];
  /** Every snapshot the feeder wrote, in order. */
  const fed: { t: number; cpu: number }[] = [];
  let feeder: NodeJS.Timeout | undefined;
  let feedError: unknown;
  let serverId = '';

  const alertRows = async (ruleId: string): Promise<AlertRow[]> =>
    (await storage.pool.query<AlertRow>('SELECT id, status, fingerprint, value, "timestamp", fired_at, resolved_at FROM alerts WHERE rule_id = $1 ORDER BY created_at', [ruleId])).rows;

  /** Writes one snapshot and wakes the evaluator up the way the ingester does (ingester/src/snapshots). */
  const feed = async (cpu: number): Promise<void> => {
    const t = Date.now();
    // Recorded first: a periodic pass may see the row before this function returns.
    fed.push({ t, cpu });
    await storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, $2, $3)', [serverId, new Date(t), cpu]);
    await storage.pool.query('UPDATE servers SET last_seen_at = $2 WHERE id = $1', [serverId, new Date(t)]);
    for (const payload of encodeIngestNotifications({ serverIds: [serverId], timestamp: new Date(t).toISOString() })) {
      await storage.pool.query('SELECT pg_notify($1, $2)', [INGEST_CHANNEL, payload]);
    }
  };

  const startApi = async (name: string, url: string): Promise<Api> => {
    const [apiPort, mqttPort] = [await freePort(), await freePort()];
    const proc = await startSextant({
      command: 'api',
      env: {
        DATABASE_URL: url, API_PORT: String(apiPort), MQTT_PORT: String(mqttPort), SEXTANT_DATA_DIR: path.join(dir, name),
        JWT_SECRET: SECRET, SEXTANT_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'info',
      },
      readyUrl: `http://127.0.0.1:${apiPort}/readyz`,
      readyTimeoutMs: 45_000,
    });
    return { name, proc, url: `http://127.0.0.1:${apiPort}`, mqttPort, events: [] };
  };

  const login = async (api: Api): Promise<string> => {
    const response = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  const leaseLines = (api: Api): string[] => api.proc.lines.filter((l) => l.includes(LEASE_TAKEN));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-e2e-failover-'));
    // Embedded PostgreSQL (no DATABASE_URL) runs as another user, which must reach its data dir.
    await chmod(dir, 0o755);
    let url = process.env.DATABASE_URL;
    if (url === undefined || url === '') {
      embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), log });
      url = embedded.url;
    } else {
      database = await createServerDatabase(url);
      url = database.url;
    }
    storage = await openStorage({ url, log });
    // Schema and today's partitions first, so the two processes start on a ready database.
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    serverId = (await storage.pool.query<{ id: string }>(
      `INSERT INTO servers (name, address, last_seen_at) VALUES ('web-1', 'web-1:9100', now()) RETURNING id`,
    )).rows[0]!.id;

    listener = await storage.pool.connect();
    listener.on('notification', (message) => {
      if (message.channel === 'sextant_alert' && message.payload !== undefined) alertNotifications.push(message.payload);
    });
    await listener.query('LISTEN sextant_alert');

    apis.push(await startApi('api-a', url));
    apis.push(await startApi('api-b', url));
    for (const api of apis) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${api.mqttPort}`, { username: 'admin', password: ADMIN_PASSWORD, reconnectPeriod: 0, connectTimeout: 5000 });
      client.on('error', () => undefined);
      client.on('message', (_topic, payload) => {
        const event = JSON.parse(payload.toString()) as { id: string; status: string };
        api.events.push(`${event.id} ${event.status}`);
      });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await client.subscribeAsync('sextant/v1/alerts/#', { qos: 1 });
      api.mqtt = client;
    }
  });

  afterAll(async () => {
    clearInterval(feeder);
    for (const api of apis) api.mqtt?.end(true);
    await Promise.all(apis.map((api) => api.proc.stop()));
    listener?.release();
    await storage?.close();
    await database?.drop();
    await embedded?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('the survivor of a SIGKILLed lease holder fires and resolves a pending alert once, on the original schedule', async () => {
    // Exactly one of the two evaluates: one logs the lease, and PostgreSQL shows one holder.
    const holder = await waitFor('one API process taking the alert-evaluation lease', () => {
      const holders = apis.filter((api) => leaseLines(api).length > 0);
      return Promise.resolve(holders.length === 1 ? holders[0] : undefined);
    }, { timeoutMs: 20_000, attempts: 200 });
    const survivor = apis.find((api) => api !== holder)!;
    const leaseHolders = async () => Number((await storage.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1`, [ALERT_LEASE_KEY],
    )).rows[0]!.n);
    expect(await leaseHolders()).toBe(1);

    const token = await login(holder);
    const created = await fetch(`${holder.url}/api/alert-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'FailoverCpu', metric: 'cpu_usage', operator: '>', threshold: 50, clearThreshold: 40, for: `${FOR_MS / 1000}s`, severity: 'warning', serverId }),
    });
    expect(created.status).toBe(201);
    const ruleId = ((await created.json()) as { id: string }).id;

    // One breaching snapshot a second (values rise so each pass is visible), then, once firing
    // is seen, two inside the hysteresis band and then values below the clear threshold.
    let firingSeen = false;
    let afterFiring = 0;
    const nextValue = (): number => {
      if (!firingSeen) return 60 + fed.length;
      afterFiring++;
      return afterFiring <= 2 ? 45 : 30;
    };
    let ticks = 0;
    feeder = setInterval(() => {
      if (++ticks > 60) return clearInterval(feeder);
      feed(nextValue()).catch((err: unknown) => (feedError = err));
    }, 1000);
    await feed(nextValue());
    const t0 = fed[0]!.t;

    // Pending, and the holder has evaluated at least three breaching snapshots: kill it now.
    const pending = await waitFor('the alert pending with the third value', async () => {
      const [row] = await alertRows(ruleId);
      return row?.status === 'pending' && row.value! >= 62 ? row : undefined;
    }, { timeoutMs: 15_000, attempts: 300 });
    expect(pending.timestamp.getTime()).toBe(t0);
    expect(leaseLines(survivor)).toEqual([]);
    expect(await leaseHolders()).toBe(1);
    const killedAt = Date.now();
    expect(killedAt).toBeLessThan(t0 + FOR_MS - 3000);
    await holder.proc.kill();

    await waitFor('the survivor taking the lease', () => Promise.resolve(leaseLines(survivor).length === 1 ? true : undefined), { timeoutMs: 15_000, attempts: 300 });
    const firing = await waitFor('the alert firing', async () => {
      const [row] = await alertRows(ruleId);
      return row?.status === 'firing' ? row : undefined;
    }, { timeoutMs: 20_000, attempts: 400 });
    firingSeen = true;
    // `for` counts from the first breaching snapshot, not from the takeover: it fires at the first
    // observation at or past t0 + for, which is no later than the first snapshot written then.
    const due = await waitFor('a snapshot at or past t0 + for', () => Promise.resolve(fed.find((s) => s.t >= t0 + FOR_MS)), { timeoutMs: 5000 });
    expect(firing.id).toBe(pending.id);
    expect(firing.timestamp.getTime()).toBe(t0);
    expect(firing.fired_at!.getTime()).toBeGreaterThanOrEqual(t0 + FOR_MS);
    expect(firing.fired_at!.getTime()).toBeLessThanOrEqual(due.t + 250);

    const resolved = await waitFor('the alert resolved', async () => {
      const [row] = await alertRows(ruleId);
      return row?.status === 'resolved' ? row : undefined;
    }, { timeoutMs: 20_000, attempts: 400 });
    clearInterval(feeder);
    expect(feedError).toBeUndefined();
    // The two values inside the hysteresis band kept it firing; the first one below 40 resolved it.
    const cleared = fed.find((s) => s.cpu < 40)!;
    expect(resolved.resolved_at!.getTime()).toBeGreaterThanOrEqual(cleared.t);
    expect(resolved.resolved_at!.getTime()).toBeLessThanOrEqual(cleared.t + 250);
    expect(resolved.fired_at!.getTime()).toBe(firing.fired_at!.getTime());

    // One row for the fingerprint, as the survivor's REST API shows it.
    const rows = await alertRows(ruleId);
    expect(rows).toHaveLength(1);
    expect((await storage.pool.query('SELECT id FROM alerts WHERE fingerprint = $1', [rows[0]!.fingerprint])).rows).toHaveLength(1);
    const listed = await fetch(`${survivor.url}/api/alerts?serverId=${serverId}`, { headers: { authorization: `Bearer ${await login(survivor)}` } });
    expect(listed.status).toBe(200);
    const items = ((await listed.json()) as { items: { id: string; ruleId: string; status: string; timestamp: string; resolvedAt: string; fingerprint: string }[] }).items
      .filter((a) => a.ruleId === ruleId);
    expect(items).toEqual([expect.objectContaining({
      id: pending.id, status: 'resolved', fingerprint: rows[0]!.fingerprint,
      timestamp: new Date(t0).toISOString(), resolvedAt: resolved.resolved_at!.toISOString(),
    })]);

    // Every transition announced exactly once: created pending, firing, resolved; and the
    // survivor's broker relayed firing and resolved once each (the killed one never saw them).
    await waitFor('the resolved event on the survivor broker', () => Promise.resolve(survivor.events.includes(`${pending.id} resolved`) ? true : undefined), { timeoutMs: 10_000 });
    expect(alertNotifications.filter((id) => id === pending.id)).toHaveLength(3);
    expect(survivor.events.filter((e) => e.startsWith(pending.id))).toEqual([`${pending.id} firing`, `${pending.id} resolved`]);
    expect(holder.events.filter((e) => e.startsWith(pending.id))).toEqual([]);
    expect(await leaseHolders()).toBe(1);
  });
});
