import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeIngestNotification, INGEST_CHANNEL } from '@sextant/contracts';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends, waitFor } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { stopChild } from '@sextant/testkit/process';
import { createAlertEvents, evaluateAlerts, startAlertEngine } from '../src/index.ts';
import type { AlertEngine, AlertEvent } from '../src/index.ts';
import { createEngine } from '../src/promql/engine.ts';
import { createSqlSeriesSource } from '../src/promql/sql-series-source.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };

interface AlertRow {
  id: string;
  status: string;
  timestamp: Date;
  fired_at: Date | null;
  resolved_at: Date | null;
  value: number | null;
  silenced: boolean;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('alert engine on PostgreSQL', () => {
  let database: TestDatabase;
  let storage: Storage;
  let serverId: string;
  let ruleId: string;
  // Whole seconds, a little in the past, so every sample time is exact and inside today's partitions.
  const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
  const promql = () => createEngine({ source: createSqlSeriesSource({ pool: storage.pool }) });
  const evaluate = (nowMs: number) => evaluateAlerts({ pool: storage.pool, promql: promql(), log, nowMs });
  const snapshot = (t: number, cpu: number) =>
    storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, $2, $3)', [serverId, new Date(t), cpu]);
  const alerts = async (): Promise<AlertRow[]> =>
    (await storage.pool.query<AlertRow>('SELECT * FROM alerts WHERE rule_id = $1 ORDER BY "timestamp", created_at', [ruleId])).rows;

  beforeAll(async () => {
    database = await testBackends().find((b) => !b.timescaledb)!.create();
    storage = await openStorage({ url: database.url, log });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log }, new Date(base));
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    // The built-in rule would fire for servers nobody scrapes here.
    await storage.pool.query(`UPDATE alert_rules SET enabled = false WHERE builtin = 'server_down'`);
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await storage.pool.query('DELETE FROM alerts; DELETE FROM alert_rules WHERE builtin IS NULL; DELETE FROM servers; DELETE FROM silences');
    serverId = (await storage.pool.query<{ id: string }>(
      `INSERT INTO servers (name, address, labels) VALUES ('web-1', 'web-1:9100', '{"env": "prod"}') RETURNING id`,
    )).rows[0]!.id;
    ruleId = (await storage.pool.query<{ id: string }>(
      `INSERT INTO alert_rules (name, metric, operator, threshold, clear_threshold, for_duration, severity, label_selector, labels, annotations)
       VALUES ('HighCpu', 'cpu_usage', '>', 90, 80, '30 seconds', 'warning', '{"env": "prod"}', '{"team": "ops"}',
               '{"summary": "{{ $labels.server }} CPU at {{ $value }}%"}') RETURNING id`,
    )).rows[0]!.id;
  });

  it('holds an alert pending for exactly `for`, then fires it with labels and rendered annotations', async () => {
    await snapshot(base, 95);
    await evaluate(base);
    expect((await alerts()).map((a) => a.status)).toEqual(['pending']);
    await snapshot(base + 29_000, 96);
    await evaluate(base + 29_000);
    expect((await alerts()).map((a) => a.status)).toEqual(['pending']);
    await snapshot(base + 30_000, 97);
    await evaluate(base + 30_000);
    const [alert] = await alerts();
    expect(alert).toMatchObject({ status: 'firing', value: 97, silenced: false });
    expect(alert!.timestamp.getTime()).toBe(base);
    expect(alert!.fired_at!.getTime()).toBe(base + 30_000);
    expect(alert!.labels).toMatchObject({ alertname: 'HighCpu', severity: 'warning', server: 'web-1', instance: 'web-1:9100', team: 'ops', env: 'prod' });
    expect(alert!.annotations).toEqual({ summary: 'web-1 CPU at 97%' });
  });

  it('keeps one alert through a value flapping around the threshold, and resolves it below the clear threshold', async () => {
    for (let i = 0; i <= 12; i++) {
      await snapshot(base + i * 10_000, i % 2 === 0 ? 92 : 84);
      await evaluate(base + i * 10_000);
    }
    let rows = await alerts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'firing' });
    await snapshot(base + 130_000, 79);
    await evaluate(base + 130_000);
    rows = await alerts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'resolved' });
    expect(rows[0]!.resolved_at!.getTime()).toBe(base + 130_000);
  });

  it('drops a pending alert whose value clears before `for`, so flaps shorter than `for` leave nothing', async () => {
    for (let i = 0; i < 6; i++) {
      await snapshot(base + i * 10_000, i % 2 === 0 ? 95 : 70);
      await evaluate(base + i * 10_000);
    }
    expect(await alerts()).toEqual([]);
  });

  it('catches up after downtime: samples it never evaluated still produce their alert history', async () => {
    // Nobody evaluated while these arrived: fires at +40 s (for 30 s from +10 s), resolves at +70 s.
    const values = [50, 95, 95, 95, 95, 95, 95, 60, 50];
    for (const [i, v] of values.entries()) await snapshot(base + i * 10_000, v);
    await evaluate(base + 90_000);
    const rows = await alerts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'resolved' });
    expect([rows[0]!.timestamp, rows[0]!.fired_at, rows[0]!.resolved_at].map((d) => d!.getTime() - base)).toEqual([10_000, 40_000, 70_000]);
    // A second pass over the same data changes nothing.
    await evaluate(base + 95_000);
    expect(await alerts()).toHaveLength(1);
  });

  it('marks alerts a silence matches as silenced, and not once the silence has ended', async () => {
    await storage.pool.query(
      `INSERT INTO silences (matchers, starts_at, ends_at, created_by) VALUES ('[{"name": "server", "value": "web-.*", "isRegex": true, "isEqual": true}]', $1, $2, 'test')`,
      [new Date(base - 1000), new Date(base + 20_000)],
    );
    await snapshot(base, 99);
    await evaluate(base);
    expect((await alerts())[0]).toMatchObject({ status: 'pending', silenced: true });
    await snapshot(base + 40_000, 99);
    await evaluate(base + 40_000);
    expect((await alerts())[0]).toMatchObject({ status: 'firing', silenced: false });
  });

  it('resolves the alerts of a rule that is disabled', async () => {
    await snapshot(base, 99);
    await storage.pool.query(`UPDATE alert_rules SET for_duration = '0' WHERE id = $1`, [ruleId]);
    await evaluate(base);
    expect((await alerts())[0]).toMatchObject({ status: 'firing' });
    await storage.pool.query('UPDATE alert_rules SET enabled = false WHERE id = $1', [ruleId]);
    await evaluate(base + 1000);
    expect((await alerts())[0]).toMatchObject({ status: 'resolved' });
  });

  it('marks a server still up but silent for longer than the lookback unknown, announced on the ingest channel; down stays down', async () => {
    const listener = await storage.pool.connect();
    const announced: string[] = [];
    listener.on('notification', (m) => {
      if (m.channel === INGEST_CHANNEL) announced.push(...decodeIngestNotification(m.payload ?? '').serverIds);
    });
    try {
      await listener.query(`LISTEN ${INGEST_CHANNEL}`);
      // Heard from at `base` through remote-write (no exporter address, so never scraped here).
      const silent = (await storage.pool.query<{ id: string }>(
        `INSERT INTO servers (name, hostname, status, last_seen_at) VALUES ('rw-1', 'rw-1', 'up', $1) RETURNING id`, [new Date(base)],
      )).rows[0]!.id;
      await storage.pool.query(`UPDATE servers SET status = 'down', last_seen_at = $2 WHERE id = $1`, [serverId, new Date(base - 3_600_000)]);
      const statuses = async () => Object.fromEntries((await storage.pool.query<{ id: string; status: string }>('SELECT id, status FROM servers')).rows.map((r) => [r.id, r.status]));
      // At exactly the lookback it is still current.
      await evaluate(base + 300_000);
      expect(await statuses()).toEqual({ [silent]: 'up', [serverId]: 'down' });
      await evaluate(base + 301_000);
      expect(await statuses()).toEqual({ [silent]: 'unknown', [serverId]: 'down' });
      await waitFor('the change announced', () => Promise.resolve(announced.includes(silent) ? true : undefined));
      expect(announced).toEqual([silent]);
      // Heard from again (what the ingester writes for `up` = 1): up, and a later pass leaves it so.
      await storage.pool.query(`UPDATE servers SET status = 'up', last_seen_at = $2 WHERE id = $1`, [silent, new Date(base + 302_000)]);
      await evaluate(base + 310_000);
      expect((await statuses())[silent]).toBe('up');
    } finally {
      listener.release();
    }
  });

  it('fires the built-in server-down rule for a server not scraped for longer than its threshold', async () => {
    await storage.pool.query(`UPDATE alert_rules SET enabled = true WHERE builtin = 'server_down'`);
    try {
      await storage.pool.query(`UPDATE servers SET last_seen_at = $2, status = 'down' WHERE id = $1`, [serverId, new Date(base)]);
      await evaluate(base + 30_000);
      const down = () => storage.pool.query<AlertRow & { source: string; type: string }>(`SELECT * FROM alerts WHERE type = 'server_down'`);
      expect((await down()).rows).toEqual([]);
      await evaluate(base + 61_000);
      expect((await down()).rows).toMatchObject([{ status: 'firing', source: 'system', value: 61, annotations: { summary: 'web-1 is down' } }]);
      await storage.pool.query(`UPDATE servers SET last_seen_at = $2, status = 'up' WHERE id = $1`, [serverId, new Date(base + 62_000)]);
      await evaluate(base + 63_000);
      expect((await down()).rows).toMatchObject([{ status: 'resolved' }]);
    } finally {
      await storage.pool.query(`UPDATE alert_rules SET enabled = false WHERE builtin = 'server_down'`);
    }
  });

  it('announces firing, acknowledged and resolved (not pending) through the alert-events interface after commit', async () => {
    const events = createAlertEvents();
    const seen: AlertEvent[] = [];
    events.subscribe((event) => seen.push(event));
    const engine = startAlertEngine({ pool: storage.pool, log, events, intervalMs: 60_000, leaseRetryMs: 100, staleMs: 3_600_000 });
    try {
      await waitFor('engine leads', () => Promise.resolve(engine.leader ? true : undefined));
      await storage.pool.query(`UPDATE alert_rules SET for_duration = '0' WHERE id = $1`, [ruleId]);
      await snapshot(base, 95);
      await evaluate(base);
      const [alert] = await alerts();
      await waitFor('firing event', () => Promise.resolve(seen.find((e) => e.status === 'firing')));
      await storage.pool.query(`UPDATE alerts SET acknowledged_by = 'alice', acknowledged_at = now() WHERE id = $1`, [alert!.id]);
      await storage.pool.query(`SELECT pg_notify('sextant_alert', $1)`, [alert!.id]);
      await waitFor('acknowledged event', () => Promise.resolve(seen.find((e) => e.status === 'acknowledged')));
      await snapshot(base + 10_000, 10);
      await evaluate(base + 10_000);
      await waitFor('resolved event', () => Promise.resolve(seen.find((e) => e.status === 'resolved')));
      expect(seen.map((e) => [e.id, e.status, e.serverId, e.acknowledgedBy])).toEqual([
        [alert!.id, 'firing', serverId, null], [alert!.id, 'acknowledged', serverId, 'alice'], [alert!.id, 'resolved', serverId, 'alice'],
      ]);
    } finally {
      await engine.close();
    }
  });

  describe('lease', () => {
    const engines: AlertEngine[] = [];
    const children: ChildProcess[] = [];
    afterAll(async () => {
      await Promise.all(engines.map((e) => e.close()));
      await Promise.all(children.map((c) => stopChild(c)));
    });

    it('lets exactly one of two engines evaluate, and the other take over when the holder’s connection dies', async () => {
      const a = startAlertEngine({ pool: storage.pool, log, intervalMs: 60_000, leaseRetryMs: 100 });
      engines.push(a);
      await waitFor('engine a leads', () => Promise.resolve(a.leader ? true : undefined));
      const b = startAlertEngine({ pool: storage.pool, log, intervalMs: 60_000, leaseRetryMs: 100 });
      engines.push(b);
      // b tries every 100 ms; after several tries it still must not lead.
      await waitFor('b tried', async () => ((await storage.pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'sextant-alert-lease' AND datname = current_database()`)).rowCount! >= 1 ? true : undefined));
      expect([a.leader, b.leader]).toEqual([true, false]);
      await storage.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7355000 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await waitFor('one engine leads again', () => Promise.resolve(a.leader !== b.leader ? true : undefined));
      expect(Number(a.leader) + Number(b.leader)).toBe(1);
      await a.close();
      await waitFor('b leads', () => Promise.resolve(b.leader ? true : undefined));
    });

    it('after the evaluating process is killed with an alert pending, another fires it once, at `for` after it began', async () => {
      await Promise.all(engines.splice(0).map((e) => e.close()));
      await storage.pool.query(`UPDATE alert_rules SET for_duration = '3 seconds' WHERE id = $1`, [ruleId]);
      const script = path.join(import.meta.dirname, 'alert-engine-child.ts');
      const leaders = new Set<ChildProcess>();
      const spawnEngine = () => {
        const child = spawn(process.execPath, [script], { env: { ...process.env, DATABASE_URL: database.url, ALERT_TICK_MS: '200' }, stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('leader')) leaders.add(child);
        });
        children.push(child);
        return child;
      };
      const engines2 = [spawnEngine(), spawnEngine()];
      const first = await waitFor('a process leads', () => Promise.resolve([...leaders][0]));
      const second = engines2.find((c) => c !== first)!;
      // Fresh values for the real-time engines: a snapshot now, above the threshold.
      const start = Date.now();
      await storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, $2, 99)', [serverId, new Date(start)]);
      const pending = await waitFor('pending', async () => (await alerts()).find((a) => a.status === 'pending'));
      const holder = await storage.pool.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 7355000 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      expect(holder.rowCount).toBe(1);
      first.kill('SIGKILL');
      const fired = await waitFor('firing', async () => (await alerts()).find((a) => a.status === 'firing'), { timeoutMs: 20_000 });
      expect(fired.id).toBe(pending.id);
      expect(fired.timestamp.getTime()).toBe(pending.timestamp.getTime());
      expect(fired.fired_at!.getTime() - fired.timestamp.getTime()).toBeGreaterThanOrEqual(3000);
      expect(await alerts()).toHaveLength(1);
      expect(leaders.has(second)).toBe(true);
      second.kill('SIGTERM');
    });
  });
});
