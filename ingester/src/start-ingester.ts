import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '@sextant/log';
import type { Storage } from '@sextant/storage';
import { registerBufferMetrics } from './buffer/buffer-metrics.ts';
import { createBufferedSink } from './buffer/buffered-sink.ts';
import { openDiskBuffer } from './buffer/disk-buffer.ts';
import type { DiskBuffer } from './buffer/disk-buffer.ts';
import { scrapeTimeoutOf } from './config.ts';
import type { IngesterConfig } from './config.ts';
import { createIngesterServer } from './http/create-ingester-server.ts';
import { createGroupCommitSink } from './group-commit-sink.ts';
import { createIngestSink } from './ingest-sink.ts';
import type { IngestSink } from './ingest-sink.ts';
import { startScrapeManager } from './scrape/scrape-manager.ts';
import type { ScrapeManager } from './scrape/scrape-manager.ts';
import type { ScrapeTarget } from './scrape/scrape-target.ts';
import { createSnapshotDeriver } from './snapshots/snapshot-deriver.ts';
import { createWriter } from './writer/create-writer.ts';

export interface StartIngesterOptions {
  config: IngesterConfig;
  /** `SEXTANT_DATA_DIR`; scrape results wait in `<dataDir>/ingest-buffer` while PostgreSQL is away. */
  dataDir: string;
  storage: Storage;
  log: Logger;
  /** Static targets besides SCRAPE_TARGETS, e.g. the local exporter (with its token) in `sextant up`. */
  extraTargets?: readonly ScrapeTarget[];
  /** Registry for `/metrics`; default a fresh one with the process metrics. */
  registry?: Registry;
}

/** A running ingester; `close()` stops it in order: HTTP, scraping, replay, writer. */
export interface RunningIngester {
  /** Base URL of the HTTP server (`http://host:port`). */
  url: string;
  /** The composed sink (writer, then snapshots) both ingest paths use. */
  sink: IngestSink;
  scrape: ScrapeManager;
  buffer: DiskBuffer;
  close(): Promise<void>;
}

/**
 * Composes the ingester: the writer and snapshot derivation behind one sink; the remote-write
 * server on INGESTER_HOST:INGESTER_PORT calling it directly (503 while storage is away); the
 * scrape manager calling it through the disk buffer.
 */
export async function startIngester(options: StartIngesterOptions): Promise<RunningIngester> {
  const { config, storage } = options;
  // Each part names its own `module` in the log.
  const { log } = options;
  const writer = createWriter({ pool: storage.pool, log });
  const snapshots = createSnapshotDeriver({ pool: storage.pool, log });
  const sink = createIngestSink({ writer, snapshots });
  const tls =
    config.INGESTER_TLS_CERT_FILE !== undefined && config.INGESTER_TLS_KEY_FILE !== undefined
      ? { cert: await readFile(config.INGESTER_TLS_CERT_FILE), key: await readFile(config.INGESTER_TLS_KEY_FILE) }
      : undefined;
  const server = createIngesterServer({
    sink: (batch) => sink(batch, 'remote-write'),
    pool: storage.pool,
    log,
    registry: options.registry,
    remoteWriteAuth: config.REMOTE_WRITE_AUTH,
    ...(tls === undefined ? {} : { tls }),
  });
  const buffer = await openDiskBuffer({ dir: path.join(options.dataDir, 'ingest-buffer'), maxBytes: config.INGEST_BUFFER_MAX_BYTES, log });
  // Scrapes finishing together share a transaction (group-commit-sink.ts); remote-write goes straight to `sink`.
  const buffered = createBufferedSink({ sink: createGroupCommitSink(sink), buffer, log });
  const registry = server.metrics.registry;
  registerBufferMetrics(registry, buffer);

  const started: { close(): Promise<void> }[] = [writer, buffer, { close: () => buffered.close() }];
  const closeAll = async () => {
    for (const item of started.reverse()) await item.close();
  };
  try {
    const scrape = await startScrapeManager({
      pool: storage.pool,
      intervalMs: config.SCRAPE_INTERVAL,
      timeoutMs: scrapeTimeoutOf(config),
      bodySizeLimit: config.SCRAPE_BODY_SIZE_LIMIT,
      sampleLimit: config.SCRAPE_SAMPLE_LIMIT,
      job: config.SCRAPE_JOB,
      staticTargets: [...config.SCRAPE_TARGETS.map((address) => ({ address, job: config.SCRAPE_JOB, labels: {} })), ...(options.extraTargets ?? [])],
      fileSd: config.SCRAPE_FILE_SD,
      shards: config.SCRAPE_SHARDS,
      shard: config.SCRAPE_SHARD,
      sink: (batch) => buffered.write(batch),
      log,
    });
    started.push(scrape);
    new Gauge({
      name: 'sextant_scrape_targets',
      help: 'Scrape targets by the health of their latest scrape (unknown: not scraped yet).',
      labelNames: ['health'],
      registers: [registry],
      collect() {
        const counts = { up: 0, down: 0, unknown: 0 };
        for (const loop of scrape.loops()) counts[loop.last === undefined ? 'unknown' : loop.last.up ? 'up' : 'down']++;
        for (const [health, n] of Object.entries(counts)) this.set({ health }, n);
      },
    });
    const url = await server.listen(config.INGESTER_PORT, config.INGESTER_HOST);
    started.push(server);
    log.child({ module: 'ingester' }).info({ url, targets: scrape.loops().length, intervalMs: config.SCRAPE_INTERVAL }, 'ingester started');
    return { url, sink, scrape, buffer, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
