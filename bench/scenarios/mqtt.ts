import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import pg from 'pg';
import { generateApiToken } from '@sextant/auth';
import { encodeIngestNotifications, INGEST_CHANNEL } from '@sextant/contracts';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance, startEmbeddedPostgres } from '@sextant/storage';
import { createServerDatabase } from '@sextant/testkit';
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';
import type { Measurement, Scenario, ScenarioResult } from '../scenario.ts';
import { cpuSeconds } from '../cpu-seconds.ts';
import { quantile } from '../quantile.ts';

const SERVERS = 1000;
const SUBSCRIBERS = Number(process.env.BENCH_MQTT_SUBSCRIBERS ?? 100);
// The 1000 servers' scrapes arrive within this window: 200 commits/s, 12× a 60 s scrape interval.
const WINDOW_MS = 5000;
// Commits before the measured ones (of the first servers, with older timestamps), not measured.
const WARMUP = 200;
const DAY = 86_400_000;
const log = createLogger({ level: 'warn' });
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };

interface Lines {
  next(what: string, match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

function lines(child: ChildProcess): Lines {
  const queue: string[] = [];
  const reader: Interface = createInterface({ input: child.stdout! });
  reader.on('line', (line) => queue.push(line));
  return {
    next: (what, match, timeoutMs = 120_000) =>
      waitFor(
        what,
        () => {
          const i = queue.findIndex(match);
          if (i < 0) return Promise.resolve(undefined);
          return Promise.resolve(queue.splice(i, 1)[0]);
        },
        { timeoutMs, attempts: timeoutMs / 20, intervalMs: 20 },
      ),
  };
}

const now = () => performance.timeOrigin + performance.now();

interface RunResult {
  p50: number;
  p99: number;
  max: number;
  deliveries: number;
  brokerCpu: number;
  sextantCpu: number;
  /** CPU seconds of the subscribers' process (the bench's own load), and the 1-minute load average at the end. */
  subscribersCpu: number;
  load1: number;
}

/** One side: Sextant's process (embedded broker, or publishing to `mqttUrl`), subscribers on `subscribeUrl`. */
async function runOne(options: { adminUrl: string; mqttUrl?: string; broker?: ChildProcess; say: (line: string) => void; signal: AbortSignal }): Promise<RunResult> {
  const database = await createServerDatabase(options.adminUrl);
  const children: ChildProcess[] = [];
  const storage = await openStorage({ url: database.url, log });
  try {
    const { caps } = await migrate({ pool: storage.pool, mode: 'off', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const ids = (
      // A fleet that has been there a while (not one just added, whose rows every read would re-check).
      await storage.pool.query<{ id: string }>(
        `INSERT INTO servers (name, status, created_at, updated_at) SELECT 'bench-' || i, 'up', now() - interval '1 day', now() - interval '1 day' FROM generate_series(1, ${SERVERS}) i RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const user = (await storage.pool.query<{ id: string }>("INSERT INTO users (username, password_hash, role) VALUES ('bench', 'x', 'viewer') RETURNING id")).rows[0]!.id;
    const { token, hash } = generateApiToken();
    await storage.pool.query("INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'bench', $2, '{mqtt}')", [user, hash]);

    const sextant = spawn(process.execPath, [path.join(import.meta.dirname, 'mqtt-main.ts')], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...(options.mqttUrl === undefined ? {} : { MQTT_URL: options.mqttUrl }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(sextant);
    const ready = await lines(sextant).next('Sextant MQTT', (l) => l.startsWith('ready '));
    const subscribeUrl = options.mqttUrl ?? `mqtt://127.0.0.1:${ready.split(' ')[1]}`;
    const credentials = options.mqttUrl === undefined ? ['token', token] : [];
    const subs = spawn(process.execPath, [path.join(import.meta.dirname, 'mqtt-subscribers-main.ts'), subscribeUrl, String(SUBSCRIBERS), String(WARMUP * SUBSCRIBERS), String((WARMUP + SERVERS) * SUBSCRIBERS), ...credentials], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(subs);
    const subLines = lines(subs);
    await subLines.next('subscribers', (l) => l === 'ready');

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Commits one snapshot per server in `servers`, paced at the run's rate; answers each one's COMMIT time.
    const commit = async (servers: string[], base: number): Promise<Map<string, number>> => {
      const committedAt = new Map<string, number>();
      const start = now();
      for (let i = 0; i < servers.length; i++) {
        if (options.signal.aborted) throw new Error('bench budget exceeded');
        const due = start + (i * WINDOW_MS) / SERVERS;
        const wait = due - now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const timestamp = new Date(base + i).toISOString();
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, net_rx_bps, net_tx_bps) VALUES ($1, $2, $3, 50, 60, 1, 1000, 2000)`,
          [servers[i], timestamp, i % 100],
        );
        for (const payload of encodeIngestNotifications({ serverIds: [servers[i]!], timestamp })) await client.query('SELECT pg_notify($1, $2)', [INGEST_CHANNEL, payload]);
        await client.query('COMMIT');
        committedAt.set(`${servers[i]} ${timestamp}`, now());
      }
      return committedAt;
    };
    // Warm-up, not measured: every process's code paths and PostgreSQL's caches are cold at first.
    await commit(ids.slice(0, WARMUP), Date.now() - 60_000);
    await subLines.next('warm-up deliveries', (l) => l === 'warm');

    const brokerPid = (options.broker ?? sextant).pid!;
    const brokerCpu0 = cpuSeconds(brokerPid);
    const sextantCpu0 = cpuSeconds(sextant.pid!);
    const subscribersCpu0 = cpuSeconds(subs.pid!);
    options.say(`${SERVERS} commits over ${WINDOW_MS / 1000} s to ${SUBSCRIBERS} subscribers`);
    const committedAt = await commit(ids, Date.now());
    await client.end();
    await subLines.next('every delivery', (l) => l === 'done');
    const brokerCpu = cpuSeconds(brokerPid) - brokerCpu0;
    const sextantCpu = cpuSeconds(sextant.pid!) - sextantCpu0;
    const subscribersCpu = cpuSeconds(subs.pid!) - subscribersCpu0;
    const load1 = os.loadavg()[0]!;
    subs.stdin.write('report\n');
    const report = JSON.parse(await subLines.next('report', (l) => l.startsWith('{'))) as Record<string, number[]>;
    subs.stdin.write('stop\n');
    const latencies: number[] = [];
    for (const [key, receipts] of Object.entries(report)) {
      const at = committedAt.get(key);
      if (at !== undefined) for (const r of receipts) latencies.push(r - at);
    }
    latencies.sort((a, b) => a - b);
    if (latencies.length !== SERVERS * SUBSCRIBERS) throw new Error(`expected ${SERVERS * SUBSCRIBERS} deliveries, measured ${latencies.length}`);
    const result = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1)!, deliveries: latencies.length, brokerCpu, sextantCpu, subscribersCpu, load1 };
    options.say(
      `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms; CPU s: broker ${brokerCpu.toFixed(2)}, Sextant ${sextantCpu.toFixed(2)}, subscribers ${subscribersCpu.toFixed(2)}; load average ${load1.toFixed(2)}`,
    );
    return result;
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await storage.close();
    await database.drop();
  }
}

/** Live fan-out: Sextant's embedded aedes broker vs Mosquitto fed by the same Sextant publisher. */
export const mqttScenario: Scenario = {
  name: 'mqtt',
  description: `${SERVERS} servers' snapshots, committed with NOTIFY, fanned out to ${SUBSCRIBERS} MQTT subscribers: embedded broker vs Mosquitto`,
  async run({ signal, log: say }): Promise<ScenarioResult | null> {
    const mosquitto = findPeer('mosquitto', ['/usr/sbin/mosquitto']);
    if (mosquitto === undefined) {
      say('mosquitto not installed');
      return null;
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-mqtt-'));
    // The embedded PostgreSQL may run as another user (root hands it to `postgres`): it must enter the directory.
    await chmod(dir, 0o755);
    let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
    let broker: ChildProcess | undefined;
    try {
      let adminUrl = process.env.DATABASE_URL;
      if (adminUrl === undefined || adminUrl === '') {
        embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), log });
        adminUrl = embedded.url;
      }
      say('embedded broker');
      const own = await runOne({ adminUrl, say, signal });
      const port = await freePort();
      await writeFile(path.join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
      broker = spawn(mosquitto, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'ignore'] });
      await waitFor('Mosquitto', () =>
        new Promise<true | undefined>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port }, () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(undefined));
        }),
      );
      say('Mosquitto');
      const peer = await runOne({ adminUrl, mqttUrl: `mqtt://127.0.0.1:${port}`, broker, say, signal });
      const perCpu = (r: RunResult, cpu: number) => r.deliveries / Math.max(cpu, 0.01);
      const measurements: Measurement[] = [
        { metric: 'commit → subscriber latency p50', unit: 'ms', sextant: own.p50, peer: peer.p50, better: 'lower' },
        { metric: 'commit → subscriber latency p99 (target ≤ 50 ms)', unit: 'ms', sextant: own.p99, peer: peer.p99, better: 'lower' },
        { metric: 'commit → subscriber latency max', unit: 'ms', sextant: own.max, peer: peer.max, better: 'lower' },
        {
          metric: 'deliveries per CPU-second, publisher + broker (Sextant: one process; peer: Sextant publisher process + Mosquitto)',
          unit: 'msg/CPU-s',
          sextant: perCpu(own, own.brokerCpu),
          peer: perCpu(peer, peer.brokerCpu + peer.sextantCpu),
          better: 'higher',
          targetRatio: 0.55,
        },
        {
          metric: 'deliveries per CPU-second, broker alone (Sextant: its process minus the publisher CPU of the peer run)',
          unit: 'msg/CPU-s',
          sextant: perCpu(own, own.brokerCpu - peer.sextantCpu),
          peer: perCpu(peer, peer.brokerCpu),
          better: 'higher',
        },
      ];
      const version = /mosquitto version ([\d.]+)/.exec(spawnSync(mosquitto, ['-h'], { encoding: 'utf8' }).stdout)?.[1];
      return {
        peer: `Mosquitto ${version ?? '(Debian)'}`,
        method:
          `${SERVERS} servers each commit one metrics_snapshots row with the ingester's NOTIFY in its own transaction, paced over ${WINDOW_MS / 1000} s, after ${WARMUP} unmeasured warm-up commits at the same pace; ` +
          `Sextant's publisher (LISTEN, read the committed row, publish retained QoS 0) sends into its embedded aedes broker, or in the peer run into Mosquitto over TCP. ` +
          `${SUBSCRIBERS} MQTT 3.1.1 subscribers (bare sockets with mqtt-packet's parser, light enough not to crowd the brokers on a small machine) in one other process (API token login at the embedded broker, anonymous at Mosquitto) subscribe to sextant/v1/servers/+/snapshot; ` +
          `latency is from COMMIT returning to the bytes' arrival at each subscriber (${SERVERS * SUBSCRIBERS} deliveries per side). CPU is user+system time from /proc during the run: of Sextant's process (publisher and embedded broker), and in the peer run of Sextant's process (publisher only) and of Mosquitto. ` +
          `This run: subscribers' process ${own.subscribersCpu.toFixed(2)} / ${peer.subscribersCpu.toFixed(2)} CPU-s, 1-minute load average at the end ${own.load1.toFixed(2)} / ${peer.load1.toFixed(2)} (embedded / Mosquitto).`,
        measurements,
      };
    } finally {
      await stopChild(broker);
      await embedded?.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
