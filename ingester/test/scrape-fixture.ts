import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { ingesterConfigSchema } from '../src/config.ts';
import { startIngester } from '../src/start-ingester.ts';
import type { RunningIngester } from '../src/start-ingester.ts';

export const log = createLogger({ level: process.env.TEST_LOG_LEVEL === undefined ? 'silent' : 'debug' });
export const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };

/** A node_exporter stand-in: serves `body()` as text 0.0.4, can stop answering and come back on the same port. */
export interface FakeTarget {
  address: string;
  scrapes: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFakeTarget(body: () => string, port = 0): Promise<FakeTarget> {
  let server: Server | undefined;
  let boundPort = port;
  const target: FakeTarget = {
    address: '',
    scrapes: 0,
    async start() {
      const s = createServer((req, res) => {
        // Counted once the whole body is handed over: a scrape cut short by stop() is not one.
        res.on('finish', () => target.scrapes++);
        res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
        res.end(body());
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(boundPort, '127.0.0.1', () => resolve());
      });
      boundPort = (s.address() as AddressInfo).port;
      target.address = `127.0.0.1:${boundPort}`;
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s === undefined) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await target.start();
  return target;
}

let counter = 0;
/** A node_exporter-like body whose counters move on every call. */
export function nodeBody(nodename: string): () => string {
  return () => {
    counter++;
    return [
      '# TYPE node_cpu_seconds_total counter',
      `node_cpu_seconds_total{cpu="0",mode="idle"} ${1000 + counter}`,
      `node_cpu_seconds_total{cpu="0",mode="user"} ${500 + counter}`,
      '# TYPE node_memory_MemTotal_bytes gauge',
      'node_memory_MemTotal_bytes 4e+09',
      '# TYPE node_memory_MemAvailable_bytes gauge',
      'node_memory_MemAvailable_bytes 1e+09',
      '# TYPE node_load1 gauge',
      'node_load1 0.5',
      '# TYPE node_uname_info gauge',
      `node_uname_info{nodename="${nodename}",sysname="Linux",release="6.1",version="#1",machine="x86_64",domainname="(none)"} 1`,
      '',
    ].join('\n');
  };
}

/** Storage on a fresh database, migrated, with today's partitions. */
export async function openTestStorage(url: string, limits: object = {}): Promise<Storage> {
  const storage = await openStorage({ url, log, ...limits });
  const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
  await runMaintenance({ pool: storage.pool, caps, retention, log });
  return storage;
}

/** An ingester on a free port with a temporary data dir; `env` are its environment variables. */
export async function startTestIngester(storage: Storage, env: Record<string, string>): Promise<RunningIngester & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-ingester-'));
  const config = parseConfig(ingesterConfigSchema, { INGESTER_PORT: '0', REMOTE_WRITE_AUTH: 'open', ...env });
  const ingester = await startIngester({ config, dataDir, storage, log });
  return {
    ...ingester,
    dataDir,
    close: async () => {
      await ingester.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
