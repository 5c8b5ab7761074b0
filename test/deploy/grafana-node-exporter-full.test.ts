import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiConfigSchema, signAccessToken, startApi } from '@sextant/api';
import type { JwtKeys, RunningApi } from '@sextant/api';
import { parseConfig } from '@sextant/config';
import { exporterConfigSchema, startExporter } from '@sextant/exporter';
import type { RunningExporter } from '@sextant/exporter';
import { ingesterConfigSchema, startIngester } from '@sextant/ingester';
import type { RunningIngester } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { sharedTestdata, waitFor } from '@sextant/testkit/process';

// What grafana/README.md promises: Node Exporter Full (grafana.com 1860), imported with Sextant as
// its Prometheus data source, works. Sextant's ingester scrapes Sextant's exporter; the dashboard's
// variables resolve through the label-values API as Grafana asks them (compat §4.3, §4.4), and its
// panel expressions run through /api/v1/query_range. The API's own tests compare these expressions
// with Prometheus value by value; here the point is the dashboard as a whole.

const DASHBOARD = sharedTestdata('grafana/node-exporter-full.json');
const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

describe.skipIf(DASHBOARD === undefined)('Node Exporter Full against Sextant', () => {
  const backend = testBackends().find((b) => !b.timescaledb)!;
  let database: TestDatabase;
  let storage: Storage;
  let exporter: RunningExporter | undefined;
  let ingester: RunningIngester | undefined;
  let api: RunningApi | undefined;
  let dataDir = '';
  let token = '';

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-nef-'));
    exporter = await startExporter({ config: parseConfig(exporterConfigSchema, { EXPORTER_PORT: '0' }), log });
    ingester = await startIngester({
      config: ingesterConfigSchema.parse({ INGESTER_PORT: '0', SCRAPE_INTERVAL: '1s', SCRAPE_TARGETS: new URL(exporter.url).host }),
      dataDir,
      storage,
      log,
    });
    const keys: JwtKeys = { algorithm: 'HS256', signingKey: randomBytes(32).toString('hex'), verifyingKey: '' };
    keys.verifyingKey = keys.signingKey;
    api = await startApi({ config: apiConfigSchema.parse({ API_PORT: '0', API_UI_DIR: '/nonexistent-sextant-ui' }), storage, caps, log, keys });
    const user = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('grafana', 'x', 'viewer') RETURNING id`);
    token = signAccessToken(keys, { id: user.rows[0]!.id, username: 'grafana', role: 'viewer' });
    // Enough scrapes for rate() over the dashboard's $__rate_interval.
    await waitFor(
      'five scrapes of the exporter stored',
      async () => {
        const { rows } = await storage.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM samples v JOIN series s ON s.id = v.series_id WHERE s.metric_name = 'node_load1'`,
        );
        return rows[0]!.n >= 5 ? true : undefined;
      },
      { attempts: 200, timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 90_000);

  afterAll(async () => {
    await api?.close();
    await ingester?.close();
    await exporter?.close();
    await storage?.close();
    await database?.drop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  const get = async (pathAndQuery: string) => {
    const response = await fetch(`${api!.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, pathAndQuery).toBe(200);
    return ((await response.json()) as { data: unknown }).data;
  };

  it('resolves its job, nodename and instance variables and answers its panels', async () => {
    const end = Math.floor(Date.now() / 1000);
    const start = end - 60;
    const values = async (label: string, match: string) =>
      (await get(`/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}&start=${start}&end=${end}`)) as string[];
    const [job] = await values('job', 'node_uname_info');
    expect(job).toBe('node');
    const [nodename] = await values('nodename', `node_uname_info{job="${job}"}`);
    expect(nodename).toBeTruthy();
    const [node] = await values('instance', `node_uname_info{job="${job}", nodename="${nodename}"}`);
    expect(node).toBe(new URL(exporter!.url).host);

    const dashboard = JSON.parse(await readFile(DASHBOARD!, 'utf8')) as { panels: Panel[] };
    const targets: { title: string; expr: string }[] = [];
    const walk = (panels: Panel[]): void => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr !== undefined && t.expr.trim() !== '') targets.push({ title: p.title ?? '', expr: t.expr });
        walk(p.panels ?? []);
      }
    };
    walk(dashboard.panels);
    expect(targets.length).toBeGreaterThan(200);

    const answered = new Map<string, number>();
    let errors = 0;
    for (const { title, expr } of targets) {
      const query = expr.replaceAll('$node', node!).replaceAll('$job', job!).replaceAll('$nodename', nodename!).replaceAll('$__rate_interval', '4s');
      const body = new URLSearchParams({ query, start: String(start), end: String(end), step: '1' });
      const response = await fetch(`${api!.url}/api/v1/query_range`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      const answer = (await response.json()) as { status: string; data?: { result: unknown[] } };
      if (answer.status !== 'success') errors++;
      else answered.set(title, Math.max(answered.get(title) ?? 0, answer.data!.result.length));
    }
    // Every expression is answered (refusing a feature is allowed for a few, never for most).
    expect(errors / targets.length).toBeLessThan(0.05);
    // The "Quick CPU / Mem / Disk" and basic rows show data.
    for (const title of ['CPU Busy', 'Sys Load', 'RAM Used', 'CPU Cores', 'RAM Total', 'Uptime']) expect(answered.get(title), title).toBeGreaterThan(0);
  });
});
