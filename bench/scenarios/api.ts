import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signAccessToken } from '@sextant/api';
import { createLogger } from '@sextant/log';
import { startEmbeddedPostgres } from '@sextant/storage';
import type { EmbeddedPostgresHandle } from '@sextant/storage';
import { freePort, stopChild, waitForHttp } from '@sextant/testkit/process';
import { seedApiData } from '../api-seed.ts';
import type { SeededDatabase } from '../api-seed.ts';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';
import { cpuSeconds } from '../cpu-seconds.ts';
import { nodeFlags } from '../reliability/sextant-process.ts';
import { quantile } from '../quantile.ts';

const HISTORY_SERVERS = 100;
const DAYS = 30;
const FLEET = 1000;
// Sequential requests per latency measure after WARMUP, within LATENCY_DEADLINE_MS.
const REQUESTS = 300;
const WARMUP = 20;
const LATENCY_DEADLINE_MS = 60_000;
// Throughput: autocannon rounds of ROUND_S seconds, alternating API and bare server.
const ROUNDS = 3;
const ROUND_S = 4;
const CONNECTIONS = 16;
// How often the seeded servers that are up are marked as heard from (a scrape interval).
const HEARTBEAT_MS = 15_000;
// Absolute budgets of the issue, shown as the peer column of their rows.
const RANGE_BUDGET_MS = 20;
const FLEET_BUDGET_MS = 50;

async function spawnService(script: string[], env: Record<string, string>, port: number, signal: AbortSignal): Promise<ChildProcess> {
  const child = spawn(process.execPath, script, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'], signal });
  child.once('error', () => undefined);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return child;
}

// CPU seconds used so far by the API process and by each PostgreSQL backend serving it (found by
// the application_name `sextant api` connects with), by pid. Unlike latency, this hardly depends on
// how busy the host is: it is what a request costs on an idle one.
async function serviceCpu(pool: SeededDatabase['storage']['pool'], apiPid: number): Promise<Map<number, number>> {
  const backends = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'sextant-api'`);
  const cpu = new Map<number, number>();
  for (const pid of [apiPid, ...backends.rows.map((r) => r.pid)]) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // the backend ended meanwhile
    }
  }
  return cpu;
}

// CPU used between two readings: per process, so a backend that came or went (idle connections
// close after 10 s) does not count its whole life. One that came counts from 0, one that went is
// left out (it was idle, or it would not have closed).
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Latencies (ms) of `count` sequential GETs, after a warm-up; every answer must be 200. */
async function sequential(url: string, token: string, count: number): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}` };
  const one = async () => {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return elapsed;
  };
  for (let i = 0; i < WARMUP; i++) await one();
  const deadline = Date.now() + LATENCY_DEADLINE_MS;
  const out: number[] = [];
  for (let i = 0; i < count && Date.now() < deadline; i++) out.push(await one());
  if (out.length < count / 2) throw new Error(`only ${out.length} requests to ${url} within the time budget`);
  return out.sort((a, b) => a - b);
}

/** One autocannon round: requests/s, and the server's CPU time per request (µs) from /proc. */
async function loadRound(url: string, pid: number): Promise<{ rps: number; cpuUs: number }> {
  const cpu = cpuSeconds(pid);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: ROUND_S });
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return { rps: result.requests.average, cpuUs: ((cpuSeconds(pid) - cpu) * 1e6) / result.requests.total };
}

/** The API's query latency on seeded data, and its plain-HTTP throughput beside a bare node:http server. */
export const apiScenario: Scenario = {
  name: 'api',
  description: `API on ${HISTORY_SERVERS} servers × ${DAYS} days of 1-minute snapshots and a ${FLEET}-server fleet: range and fleet latency, /healthz requests/s vs bare node:http`,
  async run({ signal, log }): Promise<ScenarioResult | null> {
    const quiet = createLogger({ level: 'warn' });
    const loadBefore = os.loadavg()[0]!;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-api-'));
    // The embedded PostgreSQL may run as another user (root hands it to `postgres`): it must enter the directory.
    await chmod(dataDir, 0o755);
    let embedded: EmbeddedPostgresHandle | undefined;
    let seeded: SeededDatabase | undefined;
    let api: ChildProcess | undefined;
    let bare: ChildProcess | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      let adminUrl = process.env.DATABASE_URL;
      if (adminUrl === undefined || adminUrl === '') {
        embedded = await startEmbeddedPostgres({ dataDir, log: quiet });
        adminUrl = embedded.url;
        log('DATABASE_URL unset: embedded PostgreSQL');
      }
      seeded = await seedApiData({ adminUrl, historyServers: HISTORY_SERVERS, days: DAYS, fleetServers: FLEET, log: quiet, say: log });
      // What the ingester does for a scraped fleet: the servers that are up keep being heard from.
      // Without it every one of them would look gone a minute after seeding, and the API's alert
      // engine would fire, and later mark, a thousand of them in the middle of a measurement.
      const pool = seeded.storage.pool;
      const beat = () => pool.query(`UPDATE servers SET last_seen_at = now() WHERE status = 'up'`);
      await beat();
      heartbeat = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
      log(`${seeded.snapshots} snapshots in ${new URL(seeded.url).pathname.slice(1)}`);

      const secret = randomBytes(32).toString('base64url');
      const viewer = await seeded.storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('bench', 'unused', 'viewer') RETURNING id`);
      const token = signAccessToken({ algorithm: 'HS256', signingKey: secret, verifyingKey: secret }, { id: viewer.rows[0]!.id, username: 'bench', role: 'viewer' });

      const apiPort = await freePort();
      api = await spawnService(
        // With the Node options the API runs with in production (the shebang's, compose's).
        [...nodeFlags('api'), path.join(import.meta.dirname, '../../cli/src/main.ts'), 'api'],
        { DATABASE_URL: seeded.url, JWT_SECRET: secret, API_PORT: String(apiPort), API_HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEXTANT_DATA_DIR: dataDir, SEXTANT_TIMESCALEDB: 'off', MQTT_PORT: '0' },
        apiPort,
        signal,
      );
      const barePort = await freePort();
      bare = await spawnService([path.join(import.meta.dirname, 'api-bare-main.ts')], { PORT: String(barePort) }, barePort, signal);
      const apiUrl = `http://127.0.0.1:${apiPort}`;

      const now = Date.now();
      const rangeQuery = `from=${new Date(now - DAYS * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`;
      const rangeUrl = `${apiUrl}/api/servers/${seeded.historyServerId}/metrics?${rangeQuery}`;
      const probe = (await (await fetch(rangeUrl, { headers: { authorization: `Bearer ${token}` } })).json()) as { points: unknown[]; stepSeconds: number; source: string };
      log(`30-day range: ${probe.points.length} points, step ${probe.stepSeconds} s from ${probe.source}`);
      // Sequential requests with the CPU they cost the API and PostgreSQL, in ms per request.
      const measured = async (url: string, count: number) => {
        const before = await serviceCpu(seeded!.storage.pool, api!.pid!);
        const latencies = await sequential(url, token, count);
        const cpuMs = (cpuBetween(before, await serviceCpu(seeded!.storage.pool, api!.pid!)) * 1000) / (latencies.length + WARMUP);
        return { latencies, cpuMs };
      };
      const { latencies: range, cpuMs: rangeCpu } = await measured(rangeUrl, REQUESTS);
      const rawUrl = `${apiUrl}/api/servers/${seeded.historyServerId}/metrics?${rangeQuery}&step=45m`;
      const rawRange = await sequential(rawUrl, token, Math.floor(REQUESTS / 3));
      const fleetUrl = `${apiUrl}/api/servers?limit=${FLEET}`;
      const fleetText = await (await fetch(fleetUrl, { headers: { authorization: `Bearer ${token}` } })).text();
      const fleet = JSON.parse(fleetText) as { items: { latest: unknown }[]; total: number };
      if (fleet.items.length !== FLEET || fleet.items.some((s) => s.latest === null)) throw new Error(`fleet answer has ${fleet.items.length} servers, some without a snapshot`);
      const { latencies: fleetLatency, cpuMs: fleetCpu } = await measured(fleetUrl, REQUESTS);

      // Warm both, then alternate who goes first.
      const servers = {
        api: { url: `${apiUrl}/healthz`, pid: api.pid! },
        bare: { url: `http://127.0.0.1:${barePort}/healthz`, pid: bare.pid! },
      };
      for (const who of ['api', 'bare'] as const) await loadRound(servers[who].url, servers[who].pid);
      const rounds = { api: [] as { rps: number; cpuUs: number }[], bare: [] as { rps: number; cpuUs: number }[] };
      for (let i = 0; i < ROUNDS && !signal.aborted; i++) {
        const order = i % 2 === 0 ? (['api', 'bare'] as const) : (['bare', 'api'] as const);
        for (const who of order) rounds[who].push(await loadRound(servers[who].url, servers[who].pid));
      }
      const loadAfter = os.loadavg()[0]!;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const measurements: Measurement[] = [
        { metric: `30-day range p50 (vs its ${RANGE_BUDGET_MS} ms budget)`, unit: 'ms', sextant: quantile(range, 0.5), peer: RANGE_BUDGET_MS, better: 'lower', targetRatio: 1 },
        { metric: '30-day range p99', unit: 'ms', sextant: quantile(range, 0.99), peer: RANGE_BUDGET_MS, better: 'lower' },
        { metric: '30-day range: CPU per request (API + PostgreSQL)', unit: 'ms', sextant: rangeCpu, peer: RANGE_BUDGET_MS, better: 'lower' },
        { metric: '30-day range from raw snapshots (step=45m) p50', unit: 'ms', sextant: quantile(rawRange, 0.5), peer: RANGE_BUDGET_MS, better: 'lower' },
        { metric: `fleet of ${FLEET} p50 (vs its ${FLEET_BUDGET_MS} ms budget)`, unit: 'ms', sextant: quantile(fleetLatency, 0.5), peer: FLEET_BUDGET_MS, better: 'lower', targetRatio: 1 },
        { metric: `fleet of ${FLEET} p99`, unit: 'ms', sextant: quantile(fleetLatency, 0.99), peer: FLEET_BUDGET_MS, better: 'lower' },
        { metric: `fleet of ${FLEET}: CPU per request (API + PostgreSQL)`, unit: 'ms', sextant: fleetCpu, peer: FLEET_BUDGET_MS, better: 'lower' },
        { metric: '/healthz requests/s (vs bare node:http)', unit: 'req/s', sextant: mean(rounds.api.map((r) => r.rps)), peer: mean(rounds.bare.map((r) => r.rps)), better: 'higher', targetRatio: 0.5 },
        { metric: '/healthz server CPU per request', unit: 'µs', sextant: mean(rounds.api.map((r) => r.cpuUs)), peer: mean(rounds.bare.map((r) => r.cpuUs)), better: 'lower' },
      ];
      return {
        peer: `the issue's budgets (latency rows) and a bare node:http server (requests/s), Node ${process.version}`,
        method: `\`sextant api\` (Node options ${nodeFlags('api').join(' ')}, as in production) on a fresh database with ${seeded.snapshots} snapshots (${HISTORY_SERVERS} servers × ${DAYS} days at 1 minute, rolled up; ${FLEET} servers in all), PostgreSQL at loopback. Latency: ${REQUESTS} sequential authenticated GETs over keep-alive after ${WARMUP} warm-up (30-day range with the default budget of 1000 points → ${probe.stepSeconds} s steps from the ${probe.source}; fleet = all ${FLEET} servers with their newest snapshots, ${Math.round(Buffer.byteLength(fleetText) / 1024)} KiB of JSON). CPU per request: user+system time of the API process and its PostgreSQL backends (/proc/<pid>/stat) over those requests, what a request costs on an idle host. Requests/s: autocannon in the bench process, ${CONNECTIONS} connections, ${ROUNDS} alternating ${ROUND_S} s rounds each after a warm-up round, with each server's CPU time per request from /proc/<pid>/stat; both servers in their own process on this host (${os.cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after).`,
        measurements,
      };
    } finally {
      clearInterval(heartbeat);
      await stopChild(api);
      await stopChild(bare);
      await seeded?.close();
      await embedded?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
