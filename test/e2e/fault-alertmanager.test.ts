// The fault suite's Alertmanager part: `sextant bridge` as a real process while Alertmanager is down,
// comes back, then hangs (SIGSTOP). An alert that fires in Sextant while Alertmanager is away reaches
// it once it is back; one resolved while it hangs is resolved there too; Sextant keeps one alert row.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertEngine } from '@sextant/api';
import type { AlertEngine } from '@sextant/api';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { findPeer, freePort, stopChild, waitFor, waitForHttp } from '@sextant/testkit/process';
import { recordFigure } from '../../bench/reliability/record-figure.ts';
import { startSextant } from '../../bench/reliability/sextant-process.ts';
import type { SextantProcess } from '../../bench/reliability/sextant-process.ts';

const ALERTMANAGER = findPeer('prometheus-alertmanager', ['/usr/bin/prometheus-alertmanager']);
const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
// Alertmanager stays away this long each time (minutes in production; seconds keep CI bounded).
const DOWN_MS = 8_000;

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string };
}

describe.skipIf(ALERTMANAGER === undefined)('Alertmanager down for a while', () => {
  let dir = '';
  let postgres: EmbeddedPostgresHandle;
  let storage: Storage;
  let engine: AlertEngine | undefined;
  let bridge: SextantProcess | undefined;
  let alertmanager: ChildProcess | undefined;
  let amUrl = '';
  let amPort = 0;
  let serverId = '';
  let outages = 0;

  const startAlertmanager = async () => {
    alertmanager = spawn(ALERTMANAGER!, [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn',
    ], { stdio: 'ignore' });
    await waitForHttp(`${amUrl}/-/ready`, { timeoutMs: 30_000 });
  };
  const amAlerts = async (): Promise<AmAlert[]> => ((await (await fetch(`${amUrl}/api/v2/alerts?silenced=false&inhibited=false`)).json()) as AmAlert[]).filter((a) => a.labels.alertname === 'FaultCpu');
  const snapshot = (cpu: number) => storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, now(), $2)', [serverId, cpu]);
  const rows = async () => (await storage.pool.query<{ status: string }>(`SELECT status FROM alerts WHERE source = 'rule'`)).rows;
  const stayDown = async () => {
    const since = Date.now();
    await waitFor('Alertmanager to stay down', () => Promise.resolve(Date.now() - since >= DOWN_MS ? true : undefined), { timeoutMs: DOWN_MS + 5_000, attempts: 1_000 });
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sextant-fault-am-'));
    await chmod(dir, 0o755);
    postgres = await startEmbeddedPostgres({ dataDir: dir, log });
    storage = await openStorage({ url: postgres.url, log });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    await storage.pool.query(`UPDATE alert_rules SET enabled = false WHERE builtin = 'server_down'`);
    serverId = (await storage.pool.query<{ id: string }>(`INSERT INTO servers (name, address) VALUES ('fault-1', 'fault-1:9100') RETURNING id`)).rows[0]!.id;
    await storage.pool.query(`INSERT INTO alert_rules (name, metric, operator, threshold, clear_threshold, for_duration, severity) VALUES ('FaultCpu', 'cpu_usage', '>', 90, 80, '0 seconds', 'critical')`);
    amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    const bridgePort = await freePort();
    bridge = await startSextant({
      command: 'bridge',
      env: { DATABASE_URL: postgres.url, BRIDGE_PORT: String(bridgePort), ALERTMANAGER_URL: amUrl, BRIDGE_SEND_INTERVAL: '500ms', BRIDGE_RESEND_DELAY: '30s', BRIDGE_SEND_TIMEOUT: '2s', LOG_LEVEL: 'info' },
      readyUrl: `http://127.0.0.1:${bridgePort}/healthz`,
    });
    await writeFile(path.join(dir, 'alertmanager.yml'), ['route:', '  receiver: none', 'receivers:', '  - name: none', ''].join('\n'));
    engine = startAlertEngine({ pool: storage.pool, log, intervalMs: 300, leaseRetryMs: 100 });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await bridge?.stop();
    await stopChild(alertmanager);
    await storage?.close();
    await postgres?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('an alert that fired while Alertmanager was down reaches it when it comes back, once', async () => {
    await snapshot(95);
    await waitFor('firing in Sextant', async () => ((await rows()).some((r) => r.status === 'firing') ? true : undefined));
    await stayDown();
    outages++;
    expect(bridge!.child.exitCode).toBeNull();
    await startAlertmanager();
    const active = await waitFor('the alert in Alertmanager', async () => {
      const alerts = await amAlerts();
      return alerts.length > 0 ? alerts : undefined;
    }, { timeoutMs: 30_000 });
    expect(active).toHaveLength(1);
    expect(active[0]!.status.state).toBe('active');
  }, 90_000);

  it('an alert resolved while Alertmanager was hung is resolved there once it answers again', async () => {
    // Frozen rather than stopped: Alertmanager keeps alerts in memory only, so a restart would forget
    // the active alert and prove nothing. Frozen, it holds it, and the bridge's requests time out. With
    // a 30 s resend delay the alert is valid for 2 min, so only the bridge's resolve can end it here.
    alertmanager!.kill('SIGSTOP');
    await snapshot(50);
    await waitFor('resolved in Sextant', async () => ((await rows()).every((r) => r.status === 'resolved') ? true : undefined));
    await stayDown();
    outages++;
    alertmanager!.kill('SIGCONT');
    await waitFor('resolved in Alertmanager', async () => ((await amAlerts()).length === 0 ? true : undefined), { timeoutMs: 30_000 });
    expect(await rows()).toEqual([{ status: 'resolved' }]);
    expect(bridge!.child.exitCode).toBeNull();
    recordFigure({ suite: 'faults', name: `Alertmanager outages survived (${DOWN_MS / 1000} s each; alert fired / resolved meanwhile, delivered once)`, value: outages });
  }, 90_000);
});

if (ALERTMANAGER === undefined) {
  describe('Alertmanager down for a while', () => {
    it.skip('skipped: prometheus-alertmanager is not installed', () => undefined);
  });
}
