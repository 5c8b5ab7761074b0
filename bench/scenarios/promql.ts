import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { signAccessToken } from '@sextant/api';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle, Storage } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { findPeer, freePort, stopChild, waitFor, waitForHttp } from '@sextant/testkit/process';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';
import { loadSextant, samplesPerSeries, writeOpenMetrics } from './promql-seed.ts';
import type { PromqlBenchData } from './promql-seed.ts';
import { quantile } from '../quantile.ts';
import { nodeFlags } from '../reliability/sextant-process.ts';

const HOSTS = 25; // × 4 modes = 100 series
const DAYS = 30;
const POINTS = 1000;
const WARMUP = 1;
const RUNS = 9;
const QUERIES = [
  'sum by (mode) (rate(bench_cpu_seconds_total[5m]))',
  'rate(bench_cpu_seconds_total[5m])',
  'avg_over_time(bench_cpu_seconds_total[1h])',
];
const DAY = 86_400_000;

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function queryRange(base: string, headers: Record<string, string>, params: Record<string, string>): Promise<{ ms: number; result: Matrix }> {
  const started = performance.now();
  const res = await fetch(`${base}/api/v1/query_range`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Matrix } };
  const ms = performance.now() - started;
  if (res.status !== 200 || body.data === undefined) throw new Error(`${base} answered ${res.status}: ${body.error ?? ''}`);
  return { ms, result: body.data.result };
}

/** Both answers hold the same series and points, values within 1e-9 relative. */
function sameResult(a: Matrix, b: Matrix): boolean {
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  const other = new Map(b.map((s) => [key(s.metric), s.values]));
  return a.length === b.length && a.every((s) => {
    const v = other.get(key(s.metric));
    return v !== undefined && v.length === s.values.length && s.values.every(([t, x], i) => {
      const [u, y] = v[i]!;
      return t === u && (x === y || Math.abs(Number(x) - Number(y)) <= 1e-9 * Math.max(Math.abs(Number(x)), Math.abs(Number(y))));
    });
  });
}

/** query_range over 100 series × 30 days at ≤ 1,000 points, Sextant's API beside Prometheus 2.42 on the same samples. */
export const promqlScenario: Scenario = {
  name: 'promql',
  description: `PromQL query_range over ${HOSTS * 4} series × ${DAYS} days (1-minute samples) at ≤ ${POINTS} points: Sextant API vs Prometheus`,
  async run({ signal, log }): Promise<ScenarioResult | null> {
    const prometheusBin = findPeer('prometheus', ['/usr/bin/prometheus']);
    const promtool = findPeer('promtool', ['/usr/bin/promtool']);
    if (prometheusBin === undefined || promtool === undefined) {
      log('prometheus or promtool not installed');
      return null;
    }
    const quiet = createLogger({ level: 'warn' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-promql-'));
    // The embedded PostgreSQL may run as another user (root hands it to `postgres`): it must enter the directory.
    await chmod(dir, 0o755);
    let embedded: EmbeddedPostgresHandle | undefined;
    let database: TestDatabase | undefined;
    let storage: Storage | undefined;
    let api: ChildProcess | undefined;
    let prometheus: ChildProcess | undefined;
    try {
      const lastMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
      const data: PromqlBenchData = { hosts: HOSTS, days: DAYS, firstMs: lastMs - (DAYS * 1440 - 1) * 60_000 };
      let adminUrl = process.env.DATABASE_URL;
      if (adminUrl === undefined || adminUrl === '') {
        embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), log: quiet });
        adminUrl = embedded.url;
      }
      database = await createServerDatabase(adminUrl);
      storage = await openStorage({ url: database.url, log: quiet });
      const retention = { samplesMs: (DAYS + 5) * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
      const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log: quiet });
      await runMaintenance({ pool: storage.pool, caps, retention, log: quiet }, new Date());
      let started = Date.now();
      await loadSextant(storage.pool, data);
      await storage.pool.query('VACUUM ANALYZE samples');
      log(`${HOSTS * 4 * samplesPerSeries(data)} samples into PostgreSQL in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      // The samples are up to 30 days old: in production maintenance would have packed their closed
      // 2-hour blocks long ago, as Prometheus compacted its head; the round below does the same. They
      // went in behind the writer's back (which marks late samples for compaction), so compaction
      // starts over from the first partition.
      started = Date.now();
      await storage.pool.query(`UPDATE sample_blocks_watermark SET upto = '-infinity'`);
      const compacted = (await runMaintenance({ pool: storage.pool, caps, retention, log: quiet }, new Date())).compacted;
      await storage.pool.query('VACUUM ANALYZE sample_blocks');
      log(`${compacted?.built ?? 0} sample blocks built by maintenance in ${((Date.now() - started) / 1000).toFixed(0)} s`);

      started = Date.now();
      const omDir = path.join(dir, 'om');
      await mkdir(omDir);
      for (const om of await writeOpenMetrics(omDir, data)) {
        await promisify(execFile)(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', om, path.join(dir, 'tsdb')], { maxBuffer: 1 << 26, signal });
        await rm(om);
      }
      log(`Prometheus blocks written by promtool in ${((Date.now() - started) / 1000).toFixed(0)} s`);

      const promPort = await freePort();
      await writeFile(path.join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
      prometheus = spawn(prometheusBin, [
        `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--storage.tsdb.retention.time=${DAYS + 30}d`, `--web.listen-address=127.0.0.1:${promPort}`,
      ], { stdio: 'ignore', signal });
      prometheus.once('error', () => undefined);
      const promUrl = `http://127.0.0.1:${promPort}`;
      await waitForHttp(`${promUrl}/-/ready`, { attempts: 600, timeoutMs: 180_000, intervalMs: 300 });
      // Let Prometheus compact promtool's 2-hour blocks before measuring it: it checks once a
      // minute, so the block count must hold for over a minute.
      let previous = -1;
      const blocks = await waitFor('Prometheus compaction to settle', async () => {
        const text = await (await fetch(`${promUrl}/metrics`)).text();
        const loaded = Number(/^prometheus_tsdb_blocks_loaded (\S+)$/m.exec(text)?.[1] ?? -1);
        const settled = loaded > 0 && loaded === previous;
        previous = loaded;
        return settled ? loaded : undefined;
      }, { attempts: 12, timeoutMs: 780_000, intervalMs: 65_000 });
      log(`Prometheus settled at ${blocks} blocks`);

      const secret = randomBytes(32).toString('base64url');
      const viewer = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('bench', 'unused', 'viewer') RETURNING id`);
      const token = signAccessToken({ algorithm: 'HS256', signingKey: secret, verifyingKey: secret }, { id: viewer.rows[0]!.id, username: 'bench', role: 'viewer' });
      const apiPort = await freePort();
      api = spawn(process.execPath, [...nodeFlags('api'), path.join(import.meta.dirname, '../../cli/src/main.ts'), 'api'], {
        env: { ...process.env, DATABASE_URL: database.url, JWT_SECRET: secret, API_PORT: String(apiPort), API_HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEXTANT_DATA_DIR: dir, SEXTANT_TIMESCALEDB: 'off' },
        stdio: ['ignore', 'ignore', 'inherit'], signal,
      });
      api.once('error', () => undefined);
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      await waitForHttp(`${apiUrl}/healthz`);

      // Steps fall half-way between the minute samples: on a sample, Prometheus 2.42's closed range
      // start and Sextant's (and Prometheus 3's) open one would differ by that one sample.
      const end = lastMs / 1000 + 30;
      const start = end - DAYS * 86_400;
      // A whole number of minutes, so every step stays half-way between samples.
      const step = Math.ceil((end - start) / (POINTS - 1) / 60) * 60;
      const measurements: Measurement[] = [];
      for (const query of QUERIES) {
        const params = { query, start: String(start), end: String(end), step: String(step) };
        const ours = await queryRange(apiUrl, { authorization: `Bearer ${token}` }, params);
        const theirs = await queryRange(promUrl, {}, params);
        if (!sameResult(ours.result, theirs.result)) throw new Error(`${query}: Sextant and Prometheus answer differently`);
        for (let i = 0; i < WARMUP; i++) {
          await queryRange(apiUrl, { authorization: `Bearer ${token}` }, params);
          await queryRange(promUrl, {}, params);
        }
        const times = { sextant: [] as number[], peer: [] as number[] };
        for (let i = 0; i < RUNS && !signal.aborted; i++) {
          // Alternate who goes first.
          const order = i % 2 === 0 ? (['sextant', 'peer'] as const) : (['peer', 'sextant'] as const);
          for (const who of order) times[who].push((await (who === 'sextant' ? queryRange(apiUrl, { authorization: `Bearer ${token}` }, params) : queryRange(promUrl, {}, params))).ms);
        }
        times.sextant.sort((a, b) => a - b);
        times.peer.sort((a, b) => a - b);
        const points = theirs.result.reduce((n, s) => n + s.values.length, 0);
        log(`${query}: ${theirs.result.length} series, ${points} points; p50 ${quantile(times.sextant, 0.5).toFixed(0)} ms vs ${quantile(times.peer, 0.5).toFixed(0)} ms`);
        measurements.push(
          { metric: `${query} p50`, unit: 'ms', sextant: quantile(times.sextant, 0.5), peer: quantile(times.peer, 0.5), better: 'lower', targetRatio: 1 },
          { metric: `${query} p99`, unit: 'ms', sextant: quantile(times.sextant, 0.99), peer: quantile(times.peer, 0.99), better: 'lower' },
        );
      }
      return {
        peer: 'Prometheus 2.42 (Debian), blocks from promtool tsdb create-blocks-from openmetrics',
        method: `${HOSTS * 4} series × ${DAYS} days of 1-minute samples (${HOSTS * 4 * samplesPerSeries(data)} samples), identical in PostgreSQL (plain partitions, closed 2-hour blocks packed by maintenance, loopback) and in Prometheus's TSDB. Each query: query_range over the ${DAYS} days at step ${step} s (≤ ${POINTS} points, half-way between samples), answers checked equal, ${WARMUP} warm-up runs each, then ${RUNS} alternating sequential POSTs to \`sextant api\` (with a viewer token) and to Prometheus, ${os.cpus().length} CPUs.`,
        measurements,
      };
    } finally {
      await stopChild(api);
      await stopChild(prometheus);
      await storage?.close();
      await database?.drop();
      await embedded?.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
