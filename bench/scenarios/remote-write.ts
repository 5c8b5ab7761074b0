import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createWriter } from '@sextant/ingester';
import type { SeriesSamples } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, startEmbeddedPostgres } from '@sextant/storage';
import { createServerDatabase, startPgliteTimescale } from '@sextant/testkit';
import { findPeer, freePort, stopChild, waitForHttp } from '@sextant/testkit/process';
import { nodeFlags } from '../reliability/sextant-process.ts';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';
import { buildWorkload, seriesLabels, seriesValues } from './remote-write-workload.ts';
import type { Workload } from './remote-write-workload.ts';

// Steady state: 10 000 series × 30 samples (after one untimed step that creates them), 5 shards.
const SERIES = 10_000;
const STEPS = 30;
const SHARDS = 5;
const STEP_MS = 15_000;
// New series: 20 000 never-seen series, one sample each.
const NEW_SERIES = 20_000;
// At rest on TimescaleDB: 1000 series × 1000 samples (about 4 hours at 15 s), compressed.
const REST_SERIES = 1000;
const REST_STEPS = 1000;
const DAY = 86_400_000;
const log = createLogger({ level: 'warn' });

interface Target {
  name: string;
  url: string;
  child: ChildProcess;
  /** Processes whose CPU counts for this receiver (Sextant: the ingester and its PostgreSQL backends). */
  pids: () => number[];
}

// CPU seconds (user + system) of a process; a process gone since counts as its last reading.
const lastCpu = new Map<number, number>();
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(f[11]) + Number(f[12])) / 100;
    lastCpu.set(pid, seconds);
    return seconds;
  } catch {
    return lastCpu.get(pid) ?? 0;
  }
}
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

interface Sent {
  seconds: number;
  cpuSeconds: number;
  latencies: number[];
}

/** Sends one slice of requests per shard (shards in parallel, each in order); adds to `sent`. */
async function send(target: Target, slices: Buffer[][], sent: Sent, signal: AbortSignal): Promise<void> {
  const { url } = target;
  const pids = target.pids();
  const cpuBefore = cpuOf(pids);
  const started = performance.now();
  await Promise.all(
    slices.map(async (requests) => {
      for (const body of requests) {
        if (signal.aborted) throw new Error('bench budget exceeded');
        const t0 = performance.now();
        const res = await fetch(`${url}/api/v1/write`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'sextant-bench' },
        });
        const text = await res.text();
        if (res.status !== 204 && res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text}`);
        sent.latencies.push(performance.now() - t0);
      }
    }),
  );
  sent.seconds += (performance.now() - started) / 1000;
  sent.cpuSeconds += cpuOf(pids) - cpuBefore;
}

/**
 * Sends a workload to every target, one step at a time and alternating which target goes first, so
 * both see the same machine (others' load on it changes by the second). Per target: busy time.
 */
async function sendInterleaved(targets: Target[], workload: Workload, steps: number, signal: AbortSignal): Promise<Map<string, Sent>> {
  const sent = new Map<string, Sent>(targets.map((t) => [t.name, { seconds: 0, cpuSeconds: 0, latencies: [] }]));
  const perStep = workload.shards.map((requests) => requests.length / steps);
  for (let k = 0; k < steps; k++) {
    const slices = workload.shards.map((requests, s) => requests.slice(k * perStep[s]!, (k + 1) * perStep[s]!));
    const order = k % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) await send(t, slices, sent.get(t.name)!, signal);
  }
  for (const s of sent.values()) s.latencies.sort((a, b) => a - b);
  return sent;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 60 s`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function startSextant(databaseUrl: string): Promise<Target & { refresh(): Promise<void>; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...nodeFlags('ingester'), path.join(import.meta.dirname, 'remote-write-main.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await firstLine(child, 'the Sextant ingester');
  await waitForHttp(`${url}/readyz`);
  // The PostgreSQL backends serving it, found once it is busy (its pool keeps them while it is).
  const pids = [child.pid!];
  const probe = new pg.Client({ connectionString: databaseUrl });
  await probe.connect();
  const refresh = async () => {
    const { rows } = await probe.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sextant'`);
    pids.splice(1, pids.length, ...rows.map((r) => r.pid));
  };
  return { name: 'Sextant', url, child, pids: () => pids, refresh, close: () => probe.end() };
}

async function startPrometheus(binary: string, dir: string): Promise<Target> {
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1h\n');
  const child = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ready`, { timeoutMs: 60_000, attempts: 600 });
  return { name: 'Prometheus', url, child, pids: () => [child.pid!] };
}

async function promSamplesAppended(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*type="float"[^}]*\})? (\S+)$/m.exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

// psql `\copy` of the rows Sextant stored, back into an emptied samples table: the ceiling.
function psqlCopyRate(databaseUrl: string, dir: string, rows: number): number {
  const file = path.join(dir, 'samples.tsv');
  const run = (command: string) => {
    const r = spawnSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qc', command], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  run(`\\copy (SELECT series_id, "time", value FROM samples) TO '${file}'`);
  run('TRUNCATE samples');
  const started = performance.now();
  run(`\\copy samples FROM '${file}'`);
  return rows / ((performance.now() - started) / 1000);
}

/** Bytes per sample of `samples` on the PGlite TimescaleDB build, before and after compressing every chunk. */
async function timescaleBytesPerSample(): Promise<{ raw: number; compressed: number; samples: number }> {
  const database = await startPgliteTimescale();
  const storage = await openStorage({ url: database.url, log, maxConnections: 1, maxQueryConnections: 1, idleTimeoutMs: 50 });
  try {
    await migrate({ pool: storage.pool, mode: 'require', retention: { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY }, log });
    const writer = createWriter({ pool: storage.pool, log });
    const first = Math.floor((Date.now() - DAY) / DAY) * DAY;
    const labels = Array.from({ length: REST_SERIES }, (_, i) => seriesLabels('rest', i));
    const values = Array.from({ length: REST_SERIES }, (_, i) => seriesValues(i, REST_STEPS));
    for (let k = 0; k < REST_STEPS; k += 50) {
      const series: SeriesSamples[] = labels.map((l, i) => ({
        labels: l,
        samples: values[i]!.slice(k, k + 50).map((value, j) => ({ timestampMs: first + (k + j) * 15_000, value })),
      }));
      await writer.write({ series });
    }
    const size = async () => Number((await storage.pool.query<{ b: string }>(`SELECT hypertable_size('samples') AS b`)).rows[0]!.b);
    const samples = Number((await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM samples')).rows[0]!.n);
    const raw = await size();
    await storage.pool.query(`SELECT compress_chunk(c, true) FROM show_chunks('samples') c`);
    return { raw: raw / samples, compressed: (await size()) / samples, samples };
  } finally {
    await storage.close();
    await database.drop();
  }
}

/** Remote-write ingest of Sextant (durable: acknowledged after COMMIT) vs Prometheus 2.42's own receiver. */
export const remoteWriteScenario: Scenario = {
  name: 'remote-write',
  description: `remote-write 1.0 ingest into Sextant (PostgreSQL) vs Prometheus 2.42 --web.enable-remote-write-receiver, same pre-encoded requests`,
  async run({ signal, log: say }): Promise<ScenarioResult | null> {
    const prometheus = findPeer('prometheus', ['/usr/bin/prometheus']);
    if (prometheus === undefined) {
      say('prometheus not installed');
      return null;
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-rw-'));
    // The embedded PostgreSQL may run as another user (root hands it to `postgres`): it must enter the directory.
    await chmod(dir, 0o755);
    let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
    const targets: Target[] = [];
    try {
      let adminUrl = process.env.DATABASE_URL;
      if (adminUrl === undefined || adminUrl === '') {
        embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), log });
        adminUrl = embedded.url;
      }
      const database = await createServerDatabase(adminUrl);
      const now = Date.now();
      const first = now - (STEPS + 2) * STEP_MS;
      say('encoding requests');
      const warmup = buildWorkload({ series: SERIES, steps: 1, firstMs: first, stepMs: STEP_MS, shards: SHARDS, prefix: 'steady' });
      const steady = buildWorkload({ series: SERIES, steps: STEPS, firstMs: first + STEP_MS, stepMs: STEP_MS, shards: SHARDS, prefix: 'steady' });
      const fresh = buildWorkload({ series: NEW_SERIES, steps: 1, firstMs: now - STEP_MS, stepMs: STEP_MS, shards: SHARDS, prefix: 'fresh' });
      const sextant = await startSextant(database.url);
      targets.push(sextant);
      const peer = await startPrometheus(prometheus, dir);
      targets.push(peer);
      say(`warm-up: ${SERIES} series to each`);
      await sendInterleaved(targets, warmup, 1, signal);
      await sextant.refresh();
      say(`steady state: ${steady.samples} samples in ${steady.shards.flat().length} requests to each, step by step`);
      const steadySent = await sendInterleaved(targets, steady, STEPS, signal);
      say(`${NEW_SERIES} new series to each`);
      const freshSent = await sendInterleaved(targets, fresh, 1, signal);
      const expected = warmup.samples + steady.samples + fresh.samples;
      const check = new pg.Client({ connectionString: database.url });
      await check.connect();
      const stored = Number((await check.query<{ n: string }>('SELECT count(*) AS n FROM samples')).rows[0]!.n);
      const plainBytes = Number(
        (await check.query<{ b: string }>(`SELECT coalesce(sum(pg_total_relation_size(inhrelid)), pg_total_relation_size('samples')) AS b FROM pg_inherits WHERE inhparent = 'samples'::regclass`)).rows[0]!.b,
      );
      await check.end();
      if (stored !== expected) throw new Error(`Sextant stored ${stored} samples, expected ${expected}`);
      const appended = await promSamplesAppended(peer.url);
      if (appended !== expected) throw new Error(`Prometheus appended ${appended} samples, expected ${expected}`);
      say('psql \\copy ceiling');
      const copyRate = psqlCopyRate(database.url, dir, stored);
      await sextant.close();
      for (const t of targets.splice(0)) await stopChild(t.child);
      await database.drop();
      say('TimescaleDB (PGlite) bytes per sample');
      const rest = await timescaleBytesPerSample();
      const s = { steady: steadySent.get('Sextant')!, fresh: freshSent.get('Sextant')! };
      const p = { steady: steadySent.get('Prometheus')!, fresh: freshSent.get('Prometheus')! };
      const rate = (samples: number, sent: Sent) => samples / sent.seconds;
      const measurements: Measurement[] = [
        { metric: 'ingest, existing series', unit: 'samples/s', sextant: rate(steady.samples, s.steady), peer: rate(steady.samples, p.steady), better: 'higher', targetRatio: 0.6 },
        { metric: 'request latency p50 (2000 samples)', unit: 'ms', sextant: quantile(s.steady.latencies, 0.5), peer: quantile(p.steady.latencies, 0.5), better: 'lower' },
        { metric: 'request latency p99 (2000 samples)', unit: 'ms', sextant: quantile(s.steady.latencies, 0.99), peer: quantile(p.steady.latencies, 0.99), better: 'lower' },
        { metric: 'CPU per sample, existing series (Sextant: ingester + its PostgreSQL backends)', unit: 'µs', sextant: (s.steady.cpuSeconds / steady.samples) * 1e6, peer: (p.steady.cpuSeconds / steady.samples) * 1e6, better: 'lower' },
        { metric: 'new series (target ≥ 10 000/s)', unit: 'series/s', sextant: rate(fresh.samples, s.fresh), peer: rate(fresh.samples, p.fresh), better: 'higher' },
        { metric: 'ingest vs psql \\copy of the same rows (peer = \\copy)', unit: 'samples/s', sextant: rate(steady.samples, s.steady), peer: copyRate, better: 'higher' },
        { metric: 'at rest, plain PostgreSQL (peer: none)', unit: 'bytes/sample', sextant: plainBytes / stored, peer: Number.NaN, better: 'lower' },
        { metric: `at rest, TimescaleDB uncompressed (PGlite, ${rest.samples} samples; peer: none)`, unit: 'bytes/sample', sextant: rest.raw, peer: Number.NaN, better: 'lower' },
        { metric: 'at rest, TimescaleDB compressed (target ≤ 3; peer: none)', unit: 'bytes/sample', sextant: rest.compressed, peer: Number.NaN, better: 'lower' },
      ];
      const version = /version ([\d.]+)/.exec(spawnSync(prometheus, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
      return {
        peer: `Prometheus ${version ?? '(Debian)'} --web.enable-remote-write-receiver`,
        method:
          `The same pre-encoded remote-write 1.0 requests (snappy, 2000 samples each, one sample per series as Prometheus sends them) from one Node sender with ${SHARDS} shards in parallel, each shard in order, to both receivers step by step, alternating which goes first (the time of each receiver's own steps is summed). ` +
          `Steady state: ${SERIES} series × ${STEPS} samples after one untimed step that creates them; new series: ${NEW_SERIES} never-seen series. ` +
          `Sextant acknowledges after COMMIT to PostgreSQL (${process.env.DATABASE_URL ? 'the server at DATABASE_URL' : 'embedded'}, synchronous_commit on); Prometheus after appending to its head and WAL (no fsync per request). ` +
          `Both stores were checked to hold every sample. The ceiling is psql \\copy (text) of the rows Sextant stored into the emptied samples table. At-rest size: hypertable_size('samples') / rows after compress_chunk on every chunk, ${REST_SERIES} series × ${REST_STEPS} samples at 15 s on the PGlite TimescaleDB build. Values follow the mix node_exporter 1.5 showed here over 15 s: 73 % unchanged, 14 % whole-number steps, 13 % fractional.`,
        measurements,
      };
    } finally {
      for (const t of targets) await stopChild(t.child);
      await embedded?.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
