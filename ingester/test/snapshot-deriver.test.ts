import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIngestNotification, INGEST_CHANNEL } from '@sextant/contracts';
import type { IngestNotification } from '@sextant/contracts';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { waitFor } from '@sextant/testkit/process';
import { createSnapshotDeriver } from '../src/snapshots/snapshot-deriver.ts';
import type { SnapshotDeriver } from '../src/snapshots/snapshot-deriver.ts';
import type { SeriesSamples, WriteBatch } from '../src/write-batch.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

const s = (name: string, labels: Record<string, string>, t: number, value: number): SeriesSamples => ({ labels: { __name__: name, ...labels }, samples: [{ timestampMs: t, value }] });

// What one node_exporter scrape looks like, reduced to what snapshots read (plus a bystander).
function scrape(instance: string, t: number, k: number): SeriesSamples[] {
  const base = { instance, job: 'node' };
  return [
    s('node_cpu_seconds_total', { ...base, cpu: '0', mode: 'idle' }, t, 1000 + 30 * k),
    s('node_cpu_seconds_total', { ...base, cpu: '0', mode: 'user' }, t, 500 + 30 * k),
    s('node_memory_MemTotal_bytes', base, t, 4e9),
    s('node_memory_MemAvailable_bytes', base, t, 1e9),
    s('node_filesystem_size_bytes', { ...base, mountpoint: '/', fstype: 'ext4', device: '/dev/vda1' }, t, 50e9),
    s('node_filesystem_avail_bytes', { ...base, mountpoint: '/', fstype: 'ext4', device: '/dev/vda1' }, t, 40e9),
    s('node_network_receive_bytes_total', { ...base, device: 'eth0' }, t, 1e6 + 7500 * k),
    s('node_network_transmit_bytes_total', { ...base, device: 'eth0' }, t, 2e6),
    s('node_load1', base, t, 1.25),
    s('node_uname_info', { ...base, nodename: `host-of-${instance}`, sysname: 'Linux' }, t, 1),
    s('go_goroutines', base, t, 7),
    s('up', base, t, 1),
  ];
}

interface Row {
  name: string;
  address: string | null;
  status: string;
  t: Date;
  cpu_usage: number | null;
  memory_usage: number | null;
  disk_usage: number | null;
  net_rx_bps: number | null;
  load1: number | null;
}

describe.each(testBackends())('snapshot derivation on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let deriver: SnapshotDeriver;
  let listener: pg.Client | undefined;
  const heard: IngestNotification[] = [];

  const rows = async (instance: string): Promise<Row[]> =>
    (
      await storage.pool.query<Row>(
        `SELECT s.name, s.address, s.status, m."timestamp" AS t, m.cpu_usage, m.memory_usage, m.disk_usage, m.net_rx_bps, m.load1
           FROM metrics_snapshots m JOIN servers s ON s.id = m.server_id
          WHERE s.labels->>'instance' = $1 ORDER BY m."timestamp"`,
        [instance],
      )
    ).rows;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    deriver = createSnapshotDeriver({ pool: storage.pool, log });
    if (!backend.timescaledb) {
      listener = new pg.Client({ connectionString: database.url });
      await listener.connect();
      listener.on('notification', (n) => heard.push(decodeIngestNotification(n.payload ?? '')));
      await listener.query(`LISTEN ${INGEST_CHANNEL}`);
    }
  });

  afterAll(async () => {
    await listener?.end();
    await storage?.close();
    await database?.drop();
  });

  it('derives one row per scrape, with rates from the second on, and registers the scraped instance', async () => {
    await deriver.derive({ series: scrape('10.0.0.1:9100', T0, 0) }, 'scrape');
    await deriver.derive({ series: scrape('10.0.0.1:9100', T0 + 60_000, 1) }, 'scrape');
    const found = await rows('10.0.0.1:9100');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ name: 'host-of-10.0.0.1:9100', address: '10.0.0.1:9100', status: 'up', cpu_usage: null, net_rx_bps: null, memory_usage: 75, disk_usage: 20, load1: 1.25 });
    expect(found[0]!.t.getTime()).toBe(T0);
    const { rows: registered } = await storage.pool.query<{ hostname: string; ip: string; labels: object }>(
      `SELECT hostname, host(ip_address) AS ip, labels FROM servers WHERE address = '10.0.0.1:9100'`,
    );
    expect(registered).toEqual([{ hostname: 'host-of-10.0.0.1:9100', ip: '10.0.0.1', labels: { instance: '10.0.0.1:9100' } }]);
    // cpu: +30 s idle, +30 s user → 50 %; network: 7500 B in 60 s → 1000 bit/s.
    expect(found[1]!.cpu_usage).toBeCloseTo(50, 10);
    expect(found[1]!.net_rx_bps).toBeCloseTo(1000, 10);
  });

  it('is idempotent: the same batch again changes nothing', async () => {
    const before = await rows('10.0.0.1:9100');
    await deriver.derive({ series: scrape('10.0.0.1:9100', T0 + 60_000, 1) }, 'scrape');
    expect(await rows('10.0.0.1:9100')).toEqual(before);
    // A fresh deriver (a restart) re-deriving it keeps the rates already stored.
    await createSnapshotDeriver({ pool: storage.pool, log }).derive({ series: scrape('10.0.0.1:9100', T0 + 60_000, 1) }, 'scrape');
    expect(await rows('10.0.0.1:9100')).toEqual(before);
  });

  it('joins a scrape that remote-write split over several requests, and does not make it a target', async () => {
    const instance = '10.0.0.2:9100';
    const whole = [...scrape(instance, T0, 0), ...scrape(instance, T0 + 60_000, 2)];
    // Interleaved shards: every other series in each request.
    const shards: WriteBatch[] = [{ series: whole.filter((_, i) => i % 2 === 0) }, { series: whole.filter((_, i) => i % 2 === 1) }];
    for (const shard of shards.reverse()) await deriver.derive(shard, 'remote-write');
    const found = await rows(instance);
    expect(found).toHaveLength(2);
    expect(found[1]).toMatchObject({ address: null, memory_usage: 75, disk_usage: 20, load1: 1.25 });
    expect(found[1]!.cpu_usage).toBeCloseTo(50, 10);
    expect(found[1]!.net_rx_bps).toBeCloseTo(2000, 10);
  });

  it('turns a server down and up again from its up series', async () => {
    const status = async () => (await storage.pool.query<{ status: string; last_seen_at: Date }>(`SELECT status, last_seen_at FROM servers WHERE address = '10.0.0.1:9100'`)).rows[0]!;
    const base = { instance: '10.0.0.1:9100', job: 'node' };
    await deriver.derive({ series: [s('up', base, T0 + 120_000, 0)] }, 'scrape');
    expect(await status()).toMatchObject({ status: 'down', last_seen_at: new Date(T0 + 60_000) });
    // An older batch replayed late does not undo newer news.
    await deriver.derive({ series: [s('up', base, T0 + 90_000, 1)] }, 'scrape');
    expect((await status()).status).toBe('down');
    await deriver.derive({ series: [s('up', base, T0 + 180_000, 1)] }, 'scrape');
    expect(await status()).toMatchObject({ status: 'up', last_seen_at: new Date(T0 + 180_000) });
  });

  it('registers a server again when the one it knew was deleted', async () => {
    const instance = '10.0.0.3:9100';
    await deriver.derive({ series: scrape(instance, T0, 0) }, 'scrape');
    await storage.pool.query(`DELETE FROM servers WHERE labels->>'instance' = $1`, [instance]);
    await deriver.derive({ series: scrape(instance, T0 + 60_000, 1) }, 'scrape');
    const found = await rows(instance);
    expect(found).toHaveLength(1);
    expect(found[0]!.t.getTime()).toBe(T0 + 60_000);
  });

  it('forgets the instance not heard from longest when it keeps too many, and starts its rates over', async () => {
    const small = createSnapshotDeriver({ pool: storage.pool, log, maxInstances: 2 });
    const cpuAt = async (instance: string) => (await rows(instance)).at(-1)?.cpu_usage;
    for (const k of [10, 11]) for (const instance of ['10.0.1.1:9100', '10.0.1.2:9100']) await small.derive({ series: scrape(instance, T0 + k * 60_000, k) }, 'scrape');
    expect(await cpuAt('10.0.1.1:9100')).toBeCloseTo(50, 10);
    // A third instance pushes out the first; the second, heard from since, stays.
    await small.derive({ series: scrape('10.0.1.3:9100', T0 + 11 * 60_000, 11) }, 'scrape');
    await small.derive({ series: scrape('10.0.1.2:9100', T0 + 12 * 60_000, 12) }, 'scrape');
    await small.derive({ series: scrape('10.0.1.1:9100', T0 + 12 * 60_000, 12) }, 'scrape');
    expect(await cpuAt('10.0.1.2:9100')).toBeCloseTo(50, 10);
    expect(await cpuAt('10.0.1.1:9100')).toBeNull();
  });

  it('leaves instances without node series alone', async () => {
    await deriver.derive({ series: [s('up', { instance: 'app:8080', job: 'app' }, T0, 1), s('http_requests_total', { instance: 'app:8080', job: 'app' }, T0, 5)] }, 'remote-write');
    const { rows: found } = await storage.pool.query(`SELECT 1 FROM servers WHERE labels->>'instance' = 'app:8080' OR address = 'app:8080'`);
    expect(found).toHaveLength(0);
  });

  it.skipIf(backend.timescaledb)('announces each batch on the ingest channel', async () => {
    const { rows: ids } = await storage.pool.query<{ id: string }>(`SELECT id FROM servers WHERE address = '10.0.0.1:9100'`);
    heard.length = 0;
    await deriver.derive({ series: scrape('10.0.0.1:9100', T0 + 240_000, 4) }, 'scrape');
    // Earlier batches' notifications may still be arriving: wait for this batch's.
    const at = new Date(T0 + 240_000).toISOString();
    const notification = await waitFor('notification', () => Promise.resolve(heard.find((n) => n.timestamp === at)));
    expect(notification).toEqual({ serverIds: [ids[0]!.id], timestamp: new Date(T0 + 240_000).toISOString() });
  });
});
