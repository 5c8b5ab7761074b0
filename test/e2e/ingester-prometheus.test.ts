import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { stopChild, waitFor } from '@sextant/testkit/process';
import { NODE_EXPORTER, NODE_EXPORTER_UPSTREAM_ARGS, startNodeExporter } from '../../exporter/test/peers.ts';
import { diffSamples, PROMETHEUS, prometheusSamples, sextantSamples, startPrometheus } from '../../ingester/test/prometheus-peer.ts';
import type { RunningPrometheus } from '../../ingester/test/prometheus-peer.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const missing = PROMETHEUS === undefined || NODE_EXPORTER === undefined;
const JOBS = ['sextant', 'node'] as const;

// Must show 1: Prometheus 2.42 scrapes Sextant's exporter and node_exporter and remote-writes
// everything to the ingester; Sextant then holds, series by series, the samples Prometheus holds.
describe.skipIf(missing)('Prometheus remote-writes what it scrapes to the ingester', () => {
  let dataDir = '';
  let embedded: EmbeddedPostgresHandle | undefined;
  let database: TestDatabase | undefined;
  let storage: Storage;
  let exporter: RunningExporter | undefined;
  let nodeExporter: ChildProcess | undefined;
  let ingester: RunningIngester | undefined;
  let prometheus: RunningPrometheus | undefined;
  const targets: Record<(typeof JOBS)[number], string> = { sextant: '', node: '' };
  let startedAt = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-e2e-ingester-'));
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
    const { rows } = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('prom', 'x', 'operator') RETURNING id`);
    const { token, hash } = generateApiToken();
    await storage.pool.query(`INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'prometheus', $2, '{remote_write}')`, [rows[0]!.id, hash]);

    exporter = await startExporter({ config: parseConfig(exporterConfigSchema, { EXPORTER_PORT: '0' }), log });
    targets.sextant = new URL(exporter.url).host;
    const node = await startNodeExporter(NODE_EXPORTER_UPSTREAM_ARGS);
    nodeExporter = node.child;
    targets.node = new URL(node.url).host;
    // No scrape targets of its own: everything it stores comes through remote-write.
    ingester = await startIngester({ config: parseConfig(ingesterConfigSchema, { INGESTER_PORT: '0', SCRAPE_INTERVAL: '1s' }), dataDir, storage, log });
    startedAt = Date.now();
    prometheus = await startPrometheus({
      jobs: JOBS.map((name) => ({ name, targets: [targets[name]] })),
      remoteWriteUrl: `${ingester.url}/api/v1/write`,
      interval: '1s',
      bearerToken: token,
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.close();
    await ingester?.close();
    await stopChild(nodeExporter);
    await exporter?.close();
    await storage?.close();
    await database?.drop();
    await embedded?.close();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it.each(JOBS)('every %s series has the same samples, count and values, in Sextant as in Prometheus', async (job) => {
    // Ten scrapes of the job in Prometheus, compared over a window that closed before the comparison.
    await waitFor(`ten scrapes of job ${job} in Prometheus`, async () => {
      const query = new URLSearchParams({ query: `count_over_time(up{job="${job}"}[5m])` });
      const res = await fetch(`${prometheus!.url}/api/v1/query?${query.toString()}`);
      const scrapes = Number(((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1] ?? 0);
      return scrapes >= 10 ? true : undefined;
    }, { timeoutMs: 30_000, attempts: 120, intervalMs: 250 });
    const at = Date.now() - 1_000;
    const window = Math.ceil((at - startedAt) / 1000) + 60;
    let problems: string[] = [];
    const { expected, actual } = await waitFor(`Sextant to hold what Prometheus holds for job ${job}`, async () => {
      const expected = await prometheusSamples(prometheus!.url, `{job="${job}"}`, at, window);
      const actual = await sextantSamples(storage.pool, { job }, at, window);
      problems = diffSamples(expected, actual);
      return problems.length === 0 ? { expected, actual } : undefined;
    }, { timeoutMs: 45_000, attempts: 100, intervalMs: 1000 }).catch((err: unknown) => {
      throw new Error(`Sextant and Prometheus disagree for job ${job}:\n${problems.slice(0, 20).join('\n')}`, { cause: err });
    });
    const samples = [...expected.values()].reduce((n, s) => n + s.length, 0);
    expect(expected.size).toBeGreaterThan(job === 'node' ? 200 : 100);
    expect(samples).toBeGreaterThan(expected.size * 5);
    expect(actual.size).toBe(expected.size);
    // count_over_time agrees too, for a counter both exporters have.
    const res = await fetch(`${prometheus!.url}/api/v1/query?${new URLSearchParams({ query: `sum(count_over_time(node_cpu_seconds_total{job="${job}"}[${window}s]))`, time: (at / 1000).toFixed(3) }).toString()}`);
    const counted = Number(((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1]);
    const ours = [...actual.entries()].filter(([key]) => key.includes('"__name__","node_cpu_seconds_total"')).reduce((n, [, s]) => n + s.length, 0);
    expect(ours).toBe(counted);
  }, 90_000);

  it('derives snapshots for both hosts from the remote-written node_exporter series, without scraping them itself', async () => {
    const rows = await waitFor('snapshots with cpu for both instances', async () => {
      const { rows } = await storage.pool.query<{ instance: string; address: string | null; n: string; cpu: number; mem: number }>(
        `SELECT s.labels->>'instance' AS instance, s.address, count(*) AS n, max(m.cpu_usage) AS cpu, max(m.memory_usage) AS mem
           FROM metrics_snapshots m JOIN servers s ON s.id = m.server_id GROUP BY s.id ORDER BY 1`,
      );
      return rows.length === 2 && rows.every((r) => r.cpu !== null) ? rows : undefined;
    }, { timeoutMs: 30_000 });
    expect(rows.map((r) => r.instance).sort()).toEqual([targets.node, targets.sextant].sort());
    for (const r of rows) {
      expect(r.address).toBeNull();
      expect(Number(r.n)).toBeGreaterThan(5);
      expect(r.cpu).toBeGreaterThanOrEqual(0);
      expect(r.cpu).toBeLessThanOrEqual(100);
      expect(r.mem).toBeGreaterThan(0);
    }
    expect(ingester!.scrape.loops()).toHaveLength(0);
  }, 60_000);
});

if (missing) {
  describe('Prometheus remote-writes what it scrapes to the ingester', () => {
    it.skip('skipped: prometheus or node_exporter is not installed', () => undefined);
  });
}
