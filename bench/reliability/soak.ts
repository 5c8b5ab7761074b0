// The soak: the stack as real processes on an embedded PostgreSQL, scraping `exporters` simulated
// node_exporters every `scrapeInterval` while a sender remote-writes `rate` samples/s, with steady
// API traffic measured by autocannon; RSS/Pss of every process, scrape lag and API latency sampled
// every `sampleEvery` for `minutes`.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createLogger } from '@sextant/log';
import { openStorage, startEmbeddedPostgres } from '@sextant/storage';
import { freePort } from '@sextant/testkit/process';
import { cpuSeconds, loadAverage, rssMiB, treeCpuSeconds, treePssMiB, treePssOutsideSharedSegmentMiB } from './process-rss.ts';
import { startRemoteWriteLoad } from './remote-write-load.ts';
import { startSextant } from './sextant-process.ts';
import { startSimulatedExporters } from './simulated-exporters.ts';

export interface SoakOptions {
  minutes: number;
  warmupMinutes: number;
  exporters: number;
  scrapeIntervalS: number;
  /** Remote-write samples per second (series sent once a second). */
  rate: number;
  sampleEveryMs: number;
  log: (line: string) => void;
  /** Ends the soak early (it stops what it started, and reports nothing). */
  signal?: AbortSignal;
}

/** One row of the time series: minute since start and what was measured then. */
export interface SoakSample {
  minute: number;
  load1: number;
  rss: Record<string, number>;
  /** CPU seconds each process has used since it started (the same names as `rss`). */
  cpu: Record<string, number>;
  /** Age of the oldest `last_seen_at` over the scraped servers, s (a server not scraped for long shows here). */
  scrapeAgeS: number;
  /** Batches waiting in the ingester's disk buffer. */
  buffered: number;
  /** Buffered batches dropped so far (the buffer was full, INGEST_BUFFER_MAX_BYTES). */
  dropped: number;
  apiP99Ms: number;
  apiRps: number;
  rwAckedPerS: number;
  /** V8 heap of the Node processes. */
  heap?: Record<string, HeapFigures>;
}

const MIB = 1048576;
const gauge = (text: string, name: string, labels = ''): number =>
  Number(new RegExp(`^${name}${labels.replaceAll('{', '\\{').replaceAll('}', '\\}')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / MIB;

/** A Node process's V8 heap in MiB: used, committed, and the young generation's committed size. */
export interface HeapFigures {
  used: number;
  total: number;
  young: number;
}

/** The V8 heap figures prom-client's default metrics give for a process. */
function heapOf(metrics: string): HeapFigures {
  return {
    used: gauge(metrics, 'nodejs_heap_size_used_bytes'),
    total: gauge(metrics, 'nodejs_heap_size_total_bytes'),
    young: gauge(metrics, 'nodejs_heap_space_size_total_bytes', '{space="new"}'),
  };
}

const heapText = (h: HeapFigures | undefined): string =>
  h === undefined ? 'n/a' : `${h.used.toFixed(0)}/${h.total.toFixed(0)} (young ${h.young.toFixed(0)}) MiB`;

export interface SoakResult {
  options: Omit<SoakOptions, 'log' | 'signal'>;
  samples: SoakSample[];
  scrapes: number;
  scrapeGapP50S: number;
  scrapeGapP99S: number;
  rwSent: number;
  rwAcked: number;
  rwStored: number;
  rwRetries: number;
  rwLateSeconds: number;
  rwDroppedSeconds: number;
  rwLatencyP99Ms: number;
  scrapedStored: number;
  servers: number;
  /** Checkpoints during the run: started by checkpoint_timeout, and requested because max_wal_size filled. */
  checkpointsTimed: number;
  checkpointsRequested: number;
  walMiB: number;
}

interface WalState {
  timed: number;
  requested: number;
  lsn: string;
}

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-soak-'));
  await chmod(dir, 0o755);
  const quiet = createLogger({ level: 'silent' });
  // Whatever was started is stopped, also when the run fails half-way.
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const postgres = await startEmbeddedPostgres({ dataDir: dir, log: quiet });
    stops.push(() => postgres.close());
    const storage = await openStorage({ url: postgres.url, log: quiet });
    stops.push(() => storage.close());
    const exporters = await startSimulatedExporters(options.exporters);
    stops.push(() => exporters.close());
    const sd = path.join(dir, 'targets.json');
    await writeFile(sd, JSON.stringify([{ targets: exporters.targets, labels: { job: 'node' } }]));
    const [ingesterPort, apiPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
    const ingesterUrl = `http://127.0.0.1:${ingesterPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const common = { DATABASE_URL: postgres.url, LOG_LEVEL: 'warn' };
    const ingester = await startSextant({
      command: 'ingester',
      env: { ...common, SEXTANT_DATA_DIR: path.join(dir, 'ingester'), INGESTER_PORT: String(ingesterPort), SCRAPE_INTERVAL: `${options.scrapeIntervalS}s`, SCRAPE_FILE_SD: sd, REMOTE_WRITE_AUTH: 'open' },
      readyUrl: `${ingesterUrl}/healthz`,
    });
    stops.push(() => ingester.stop());
    const password = 'soak-admin-password';
    const api = await startSextant({
      command: 'api',
      env: { ...common, SEXTANT_DATA_DIR: path.join(dir, 'api'), API_PORT: String(apiPort), MQTT_PORT: String(mqttPort), JWT_SECRET: 'soak-jwt-secret-0123456789abcdef0123', SEXTANT_ADMIN_PASSWORD: password },
      readyUrl: `${apiUrl}/healthz`,
    });
    stops.push(() => api.stop());
    const postmaster = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const login = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const prefix = 'soak';
    // The CPU panel of Node Exporter Full for one server, as a dashboard asks it. (A fleet-wide
    // aggregate over raw rows reads every sample of the range from all 1000 servers: on a young
    // database that is the whole day partition, see docs/reliability.md.)
    const panelQuery = `sum by (mode) (rate(node_cpu_seconds_total{instance="${exporters.targets[0]!}"}[1m]))`;
    // PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
    const checkpointer = (await storage.pool.query<{ ok: boolean }>(`SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS ok`)).rows[0]!.ok;
    const walState = async (): Promise<WalState> =>
      (
        await storage.pool.query<WalState>(
          checkpointer
            ? `SELECT num_timed::int AS timed, num_requested::int AS requested, pg_current_wal_lsn()::text AS lsn FROM pg_stat_checkpointer`
            : `SELECT checkpoints_timed::int AS timed, checkpoints_req::int AS requested, pg_current_wal_lsn()::text AS lsn FROM pg_stat_bgwriter`,
        )
      ).rows[0]!;
    const walBefore = await walState();
    const rw = startRemoteWriteLoad({ url: ingesterUrl, series: options.rate, shards: 4, prefix });
    const samples: SoakSample[] = [];
    const started = Date.now();
    const end = started + options.minutes * 60_000;
    // Scrape gaps count after the warm-up, as memory growth does: the first scrapes create every series.
    exporters.measureFrom = started + options.warmupMinutes * 60_000;
    log(`soak: ${options.exporters} exporters every ${options.scrapeIntervalS}s, remote-write ${options.rate}/s, ${options.minutes} min; load average ${loadAverage()}`);
    try {
      let lastAcked = 0;
      let lastAt = Date.now();
      while (Date.now() < end) {
        options.signal?.throwIfAborted();
        // API traffic for most of the window: servers list, PromQL over the scraped data, alerts.
        const window = Math.max(5, Math.min(options.sampleEveryMs, end - Date.now()) / 1000 - 3);
        const cannon = await autocannon({
          url: apiUrl,
          connections: 4,
          overallRate: 40,
          duration: window,
          headers: { authorization: `Bearer ${token}` },
          requests: [
            { path: '/api/servers?limit=50' },
            { path: `/api/v1/query?query=${encodeURIComponent(panelQuery)}` },
            { path: '/api/alerts?status=firing' },
            { path: '/api/v1/query?query=up' },
          ],
        });
        const age = await storage.pool.query<{ age: number | null }>(`SELECT extract(epoch FROM now() - min(last_seen_at))::float8 AS age FROM servers WHERE address IS NOT NULL`);
        const metrics = await fetch(`${ingesterUrl}/metrics`).then((r) => r.text()).catch(() => '');
        const apiMetrics = await fetch(`${apiUrl}/metrics`).then((r) => r.text()).catch(() => '');
        const now = Date.now();
        const sample: SoakSample = {
          minute: (now - started) / 60_000,
          load1: loadAverage(),
          rss: {
            ingester: rssMiB(ingester.pid()),
            api: rssMiB(api.pid()),
            'postgresql (Pss)': treePssMiB(postmaster),
            'postgresql without shared memory (Pss)': treePssOutsideSharedSegmentMiB(postmaster),
            'load generator': process.memoryUsage.rss() / 1048576,
          },
          cpu: { ingester: cpuSeconds(ingester.pid()), api: cpuSeconds(api.pid()), 'postgresql (Pss)': treeCpuSeconds(postmaster), 'load generator': cpuSeconds(process.pid) },
          scrapeAgeS: age.rows[0]?.age ?? Number.NaN,
          buffered: Number(/^sextant_ingester_buffer_batches (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN),
          dropped: Number(/^sextant_ingester_buffer_dropped_batches_total (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN),
          apiP99Ms: cannon.latency.p99,
          apiRps: cannon.requests.average,
          rwAckedPerS: ((rw.acked - lastAcked) * 1000) / (now - lastAt),
          heap: { ingester: heapOf(metrics), api: heapOf(apiMetrics) },
        };
        lastAcked = rw.acked;
        lastAt = now;
        samples.push(sample);
        log(`t=${sample.minute.toFixed(1)}m load=${sample.load1} rss ingester=${sample.rss.ingester!.toFixed(0)} api=${sample.rss.api!.toFixed(0)} pg=${sample.rss['postgresql (Pss)']!.toFixed(0)} MiB; scrape age ${sample.scrapeAgeS.toFixed(1)}s; buffered ${sample.buffered} (dropped ${sample.dropped}); API p99 ${sample.apiP99Ms} ms at ${sample.apiRps}/s (${cannon.non2xx} non-2xx); rw ${sample.rwAckedPerS.toFixed(0)}/s; heap api ${heapText(sample.heap?.api)} ingester ${heapText(sample.heap?.ingester)}`);
      }
    } finally {
      await rw.stop();
    }
    const gaps = exporters.gaps.map((g) => g / 1000);
    const walAfter = await walState();
    const walBytes = await storage.pool.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff($1, $2)::text AS bytes`, [walAfter.lsn, walBefore.lsn]);
    const stored = await storage.pool.query<{ rw: string; scraped: string; servers: string }>(
      `SELECT (SELECT count(*) FROM samples WHERE series_id IN (SELECT id FROM series WHERE metric_name LIKE $1)) AS rw,
              (SELECT count(*) FROM samples WHERE series_id IN (SELECT id FROM series WHERE labels->>'job' = 'node' AND metric_name NOT LIKE $1)) AS scraped,
              (SELECT count(*) FROM servers) AS servers`,
      [`${prefix}\\_%`],
    );
    const result: SoakResult = {
      options: { minutes: options.minutes, warmupMinutes: options.warmupMinutes, exporters: options.exporters, scrapeIntervalS: options.scrapeIntervalS, rate: options.rate, sampleEveryMs: options.sampleEveryMs },
      samples,
      scrapes: exporters.scrapes,
      scrapeGapP50S: quantile(gaps, 0.5),
      scrapeGapP99S: quantile(gaps, 0.99),
      rwSent: rw.sent,
      rwAcked: rw.acked,
      rwStored: Number(stored.rows[0]!.rw),
      rwRetries: rw.retries,
      rwLateSeconds: rw.lateSeconds,
      rwDroppedSeconds: rw.droppedSeconds,
      rwLatencyP99Ms: quantile(rw.latencies, 0.99),
      scrapedStored: Number(stored.rows[0]!.scraped),
      servers: Number(stored.rows[0]!.servers),
      checkpointsTimed: walAfter.timed - walBefore.timed,
      checkpointsRequested: walAfter.requested - walBefore.requested,
      walMiB: Number(walBytes.rows[0]!.bytes) / 1048576,
    };
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
