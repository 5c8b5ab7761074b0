import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeConfigSchema, startBridge } from '@sextant/alertmanager-bridge';
import type { RunningBridge } from '@sextant/alertmanager-bridge';
import { startAlertEngine } from '@sextant/api';
import type { AlertEngine } from '@sextant/api';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { freePort, migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { findPeer, stopChild, waitFor, waitForHttp } from '@sextant/testkit/process';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const ALERTMANAGER = findPeer('prometheus-alertmanager', ['/usr/bin/prometheus-alertmanager']);
const AMTOOL = findPeer('amtool', ['/usr/bin/amtool']);

interface AmAlert {
  labels: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

// Must show 1: Sextant ⇄ Alertmanager 0.25 both ways, with no duplicate alert for one problem.
describe.skipIf(ALERTMANAGER === undefined || AMTOOL === undefined)('Sextant and Alertmanager through the bridge', () => {
  let dataDir = '';
  let embedded: EmbeddedPostgresHandle | undefined;
  let database: TestDatabase | undefined;
  let storage: Storage;
  let bridge: RunningBridge | undefined;
  let engine: AlertEngine | undefined;
  let alertmanager: ChildProcess | undefined;
  let amUrl = '';
  let serverId = '';

  const amAlerts = async (): Promise<AmAlert[]> => (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
  const snapshot = (cpu: number) =>
    storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, now(), $2)', [serverId, cpu]);
  const sextantAlerts = async (where: string) =>
    (await storage.pool.query<{ id: string; status: string; source: string; server_id: string | null; fingerprint: string }>(`SELECT * FROM alerts WHERE ${where} ORDER BY created_at`)).rows;
  const webhookDeliveries = async (): Promise<number> => {
    const text = await (await fetch(`${bridge!.url}/metrics`)).text();
    return Number(/sextant_bridge_webhook_requests_total\{code="200"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-e2e-am-'));
    let url = process.env.DATABASE_URL;
    if (url === undefined || url === '') {
      embedded = await startEmbeddedPostgres({ dataDir, log });
      url = embedded.url;
    } else {
      database = await createServerDatabase(url);
      url = database.url;
    }
    storage = await openStorage({ url, log });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    await storage.pool.query(`UPDATE alert_rules SET enabled = false WHERE builtin = 'server_down'`);
    serverId = (await storage.pool.query<{ id: string }>(`INSERT INTO servers (name, address) VALUES ('web-1', 'web-1:9100') RETURNING id`)).rows[0]!.id;
    await storage.pool.query(
      `INSERT INTO alert_rules (name, metric, operator, threshold, clear_threshold, for_duration, severity, annotations)
       VALUES ('HighCpu', 'cpu_usage', '>', 90, 80, '2 seconds', 'warning', '{"summary": "{{ $labels.server }} CPU {{ $value }}%"}')`,
    );

    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    bridge = await startBridge({
      config: parseConfig(bridgeConfigSchema, { BRIDGE_PORT: '0', ALERTMANAGER_URL: amUrl, BRIDGE_SEND_INTERVAL: '500ms', BRIDGE_RESEND_DELAY: '2s' }),
      storage, log,
    });
    // Short timings so notifications and repeats come within seconds (defaults: compat §5.3).
    await writeFile(path.join(dataDir, 'alertmanager.yml'), [
      'route:', '  receiver: sextant', '  group_by: ["alertname", "instance"]', '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 2s',
      'receivers:', '  - name: sextant', '    webhook_configs:', `      - url: ${bridge.url}/api/alertmanager/webhook`, '        send_resolved: true', '',
    ].join('\n'));
    alertmanager = spawn(ALERTMANAGER!, [
      `--config.file=${path.join(dataDir, 'alertmanager.yml')}`, `--storage.path=${path.join(dataDir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn',
    ], { stdio: 'ignore' });
    await waitForHttp(`${amUrl}/-/ready`);
    engine = startAlertEngine({ pool: storage.pool, log, intervalMs: 300, leaseRetryMs: 100 });
  });

  afterAll(async () => {
    await engine?.close();
    await bridge?.close();
    if (alertmanager !== undefined) await stopChild(alertmanager);
    await storage?.close();
    await database?.drop();
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a rule crossing its threshold fires after `for`, shows in Alertmanager and amtool, and resolves in both', async () => {
    await snapshot(95);
    const pending = await waitFor('pending in Sextant', async () => (await sextantAlerts(`status = 'pending'`))[0]);
    expect(await amAlerts()).toEqual([]);
    const firing = await waitFor('firing in Sextant', async () => (await sextantAlerts(`status = 'firing' AND source = 'rule'`))[0]);
    expect(firing.id).toBe(pending.id);
    const inAm = await waitFor('the alert in Alertmanager', async () => (await amAlerts()).find((a) => a.labels.alertname === 'HighCpu'));
    expect(inAm.labels).toMatchObject({ server: 'web-1', instance: 'web-1:9100', severity: 'warning', sextant_origin: 'sextant' });
    expect(inAm.status.state).toBe('active');
    const { stdout } = await promisify(execFile)(AMTOOL!, ['alert', 'query', `--alertmanager.url=${amUrl}`, 'alertname=HighCpu', '-o', 'simple']);
    expect(stdout).toContain('HighCpu');
    // Alertmanager's webhook brings it back to the bridge: still one alert in Sextant.
    const before = await webhookDeliveries();
    await waitFor('a webhook delivery', async () => ((await webhookDeliveries()) > before ? true : undefined));
    expect(await sextantAlerts('true')).toHaveLength(1);

    await snapshot(85);
    await engine!.nextPass();
    expect((await sextantAlerts('true')).map((a) => a.status)).toEqual(['firing']);
    await snapshot(70);
    await waitFor('resolved in Sextant', async () => ((await sextantAlerts(`status = 'resolved'`)).length === 1 ? true : undefined));
    await waitFor('resolved in Alertmanager', async () => ((await amAlerts()).some((a) => a.labels.alertname === 'HighCpu') ? undefined : true));
    const after = await promisify(execFile)(AMTOOL!, ['alert', 'query', `--alertmanager.url=${amUrl}`, 'alertname=HighCpu', '-o', 'simple']);
    expect(after.stdout).not.toContain('HighCpu');
    expect(await sextantAlerts('true')).toHaveLength(1);
  });

  it('an alert raised in Alertmanager arrives over the webhook once, however often it is repeated, and resolves', async () => {
    const startsAt = new Date().toISOString();
    const alert = { labels: { alertname: 'DiskFull', instance: 'web-1:9100', severity: 'critical' }, annotations: { summary: 'disk full' }, startsAt };
    const push = async (endsAt: string) => {
      const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ ...alert, endsAt }]) });
      expect(res.status).toBe(200);
    };
    await push(new Date(Date.now() + 3_600_000).toISOString());
    const stored = await waitFor('stored from the webhook', async () => (await sextantAlerts(`source = 'alertmanager'`))[0]);
    expect(stored).toMatchObject({ status: 'firing', server_id: serverId });
    // repeat_interval 2s: Alertmanager delivers the same notification again.
    const seen = await webhookDeliveries();
    await waitFor('two more deliveries', async () => ((await webhookDeliveries()) >= seen + 2 ? true : undefined));
    expect(await sextantAlerts(`source = 'alertmanager'`)).toHaveLength(1);
    await push(new Date().toISOString());
    await waitFor('resolved from the webhook', async () => ((await sextantAlerts(`source = 'alertmanager' AND status = 'resolved'`)).length === 1 ? true : undefined));
    expect(await sextantAlerts(`source = 'alertmanager'`)).toHaveLength(1);
  });

  it('resends firing alerts every resend delay to every Alertmanager, counts an unreachable one as failed, and sends the resolution', async () => {
    // This alert has no rule: a running engine would clear it at once.
    await engine?.close();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const second = await startBridge({
      config: parseConfig(bridgeConfigSchema, { BRIDGE_PORT: '0', ALERTMANAGER_URL: `${amUrl},${dead}`, BRIDGE_SEND_INTERVAL: '300ms', BRIDGE_RESEND_DELAY: '1s' }),
      storage, log,
    });
    const counter = async (name: string, am: string): Promise<number> => {
      const text = await (await fetch(`${second.url}/metrics`)).text();
      return Number(new RegExp(`${name}\\{alertmanager="${am.replace(/[.]/g, '\\.')}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    try {
      const { rows } = await storage.pool.query<{ id: string }>(
        `INSERT INTO alerts (server_id, type, severity, status, "timestamp", fired_at, fingerprint, labels, source)
         VALUES ($1, 'threshold', 'info', 'firing', now(), now(), 'resend-test', '{"alertname": "ResendCheck"}', 'rule') RETURNING id`,
        [serverId],
      );
      const sentAt = async (): Promise<number | undefined> =>
        (await storage.pool.query<{ at: Date | null }>('SELECT am_sent_at AS at FROM alerts WHERE id = $1', [rows[0]!.id])).rows[0]!.at?.getTime();
      const inAm = await waitFor('in Alertmanager', async () => (await amAlerts()).find((a) => a.labels.alertname === 'ResendCheck'));
      const first = await waitFor('sent once', sentAt);
      const again = await waitFor('sent again after the resend delay', async () => {
        const at = await sentAt();
        return at !== undefined && at > first ? at : undefined;
      });
      expect(again - first).toBeGreaterThanOrEqual(1000);
      expect(await counter('sextant_bridge_alerts_failed_total', dead)).toBeGreaterThanOrEqual(1);
      // endsAt = send time + 4 × max(interval, resend delay) of whichever bridge sent last (compat §5.2).
      expect(Date.parse(inAm.endsAt) - Date.now()).toBeLessThanOrEqual(8_000 + 1000);
      expect(Date.parse(inAm.endsAt) - Date.now()).toBeGreaterThan(0);
      await storage.pool.query(`UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE id = $1`, [rows[0]!.id]);
      await waitFor('resolved in Alertmanager', async () => ((await amAlerts()).some((a) => a.labels.alertname === 'ResendCheck') ? undefined : true));
      await waitFor('recorded as sent resolved', async () =>
        (await storage.pool.query<{ am_sent_status: string }>('SELECT am_sent_status FROM alerts WHERE id = $1', [rows[0]!.id])).rows[0]!.am_sent_status === 'resolved' ? true : undefined);
    } finally {
      await second.close();
    }
  });
});
