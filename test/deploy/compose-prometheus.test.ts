import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '@sextant/auth';
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
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';
import { COMPOSE_DIR } from './compose-file.ts';
import { loadDashboards, sqlQueries } from './dashboards.ts';
import { expandGrafanaSql } from './grafana-macros.ts';

// compose/prometheus.yml in a real Prometheus: it scrapes Sextant's exporter with the exporter's
// token and remote-writes to Sextant's ingester with an API token of scope remote_write, both read
// from secret files, and the ingester derives servers and snapshots from what arrives. Only the
// addresses, the secret paths and the scrape interval (1 s instead of 60 s) differ from compose.

const PROMETHEUS = findPeer('prometheus', ['/usr/bin/prometheus']);
const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;

describe.skipIf(PROMETHEUS === undefined)('compose/prometheus.yml with a real Prometheus', () => {
  const backend = testBackends().find((b) => !b.timescaledb)!;
  let database: TestDatabase;
  let storage: Storage;
  let exporter: RunningExporter | undefined;
  let ingester: RunningIngester | undefined;
  let prometheus: ChildProcess | undefined;
  let dir = '';

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const user = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('prometheus', 'x', 'operator') RETURNING id`);
    const { token, hash } = generateApiToken();
    await storage.pool.query(`INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'prometheus', $2, '{remote_write}')`, [user.rows[0]!.id, hash]);

    dir = await mkdtemp(path.join(tmpdir(), 'sextant-compose-prom-'));
    const exporterToken = 'exporter-token-0123456789';
    exporter = await startExporter({ config: parseConfig(exporterConfigSchema, { EXPORTER_PORT: '0', EXPORTER_BEARER_TOKEN: exporterToken }), log });
    ingester = await startIngester({ config: ingesterConfigSchema.parse({ INGESTER_PORT: '0' }), dataDir: dir, storage, log });
    await writeFile(path.join(dir, 'exporter_token'), `${exporterToken}\n`);
    await writeFile(path.join(dir, 'remote_write_token'), `${token}\n`);

    const config = (await readFile(path.join(COMPOSE_DIR, 'prometheus.yml'), 'utf8'))
      .replaceAll('/run/secrets/', `${dir}/`)
      .replaceAll('host.docker.internal:9464', new URL(exporter.url).host)
      .replaceAll('http://ingester:9201', ingester.url)
      .replace(/^ {2}scrape_interval: 60s$/m, '  scrape_interval: 1s')
      .replace(/^ {2}scrape_timeout: 10s$/m, '  scrape_timeout: 1s')
      .replace(/batch_send_deadline: \S+/, 'batch_send_deadline: 1s');
    expect(config).toContain('scrape_interval: 1s');
    await writeFile(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    prometheus = spawn(
      PROMETHEUS!,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
  }, 60_000);

  afterAll(async () => {
    await stopChild(prometheus, 10_000);
    await ingester?.close();
    await exporter?.close();
    await storage?.close();
    await database?.drop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('remote-writes the exporter\'s metrics into Sextant, which derives a server and its snapshots', async () => {
    const snapshots = await waitFor(
      'snapshots derived from remote-written node metrics',
      async () => {
        const { rows } = await storage.pool.query<{ name: string; n: number; cpu: number | null; memory: number | null }>(
          `SELECT s.name, count(*)::int AS n, max(m.cpu_usage) AS cpu, max(m.memory_usage) AS memory
             FROM metrics_snapshots m JOIN servers s ON s.id = m.server_id GROUP BY s.name`,
        );
        return rows[0] !== undefined && rows[0].n >= 2 ? rows : undefined;
      },
      { attempts: 120, timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]!.memory).toBeGreaterThan(0);
    const { rows } = await storage.pool.query<{ job: string; up: number }>(
      `SELECT s.labels->>'job' AS job, max(v.value) AS up FROM series s JOIN samples v ON v.series_id = s.id
        WHERE s.metric_name = 'up' GROUP BY 1 ORDER BY 1`,
    );
    // The exporter answered Prometheus's scrapes, so its token file was read and sent.
    expect(rows.find((r) => r.job === 'node')?.up).toBe(1);
  });

  it('the fleet dashboard shows that server from the derived data', async () => {
    const fleet = loadDashboards().find((d) => d.dashboard.uid === 'sextant-fleet')!.dashboard;
    const ids = (await storage.pool.query<{ id: string }>('SELECT id::text AS id FROM servers')).rows.map((r) => r.id);
    const now = new Date();
    const ctx = { from: new Date(now.getTime() - 15 * 60_000), to: now, intervalMs: 60_000, timescaledb: false, variables: { server: { value: ids, multi: true } } };
    const run = async (title: string) => {
      const query = sqlQueries(fleet).find((q) => q.where.startsWith(`panel "${title}"`))!;
      return (await storage.pool.query(expandGrafanaSql(query.rawSql, ctx))).rows as Record<string, unknown>[];
    };
    const table = await run('Servers');
    expect(table).toHaveLength(1);
    expect(table[0]!.Memory).toBeGreaterThan(0);
    expect(table[0]!.Status).toBe('up');
    const memory = await run('Memory usage');
    expect(memory.length).toBeGreaterThan(0);
    expect(memory.every((r) => r.metric === table[0]!.Server && Number(r.value) > 0)).toBe(true);
  });
});
