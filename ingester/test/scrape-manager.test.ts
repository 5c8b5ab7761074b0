import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { waitFor } from '@sextant/testkit/process';
import { startScrapeManager } from '../src/scrape/scrape-manager.ts';
import { shardOf } from '../src/scrape/target-shard.ts';
import type { RunningIngester } from '../src/start-ingester.ts';
import { log, nodeBody, openTestStorage, startFakeTarget, startTestIngester } from './scrape-fixture.ts';
import type { FakeTarget } from './scrape-fixture.ts';

const backend = testBackends().find((b) => !b.timescaledb)!;

describe(`scraping into ${backend.name}`, () => {
  let database: TestDatabase;
  let storage: Storage;
  let ingester: (RunningIngester & { dataDir: string }) | undefined;
  const targets: FakeTarget[] = [];
  let sdDir = '';
  let sdFile = '';

  const target = async (name: string) => {
    const t = await startFakeTarget(nodeBody(name));
    targets.push(t);
    return t;
  };
  const query = async <R extends object>(text: string, values: unknown[] = []) => (await storage.pool.query<R>(text, values)).rows;
  const samplesOf = (name: string, instance: string) =>
    query<{ value: number; stale: boolean; time: Date }>(
      `SELECT s.value, s.value::text = 'NaN' AS stale, s."time" FROM samples s JOIN series r ON r.id = s.series_id
        WHERE r.metric_name = $1 AND r.labels->>'instance' = $2 ORDER BY s."time"`,
      [name, instance],
    );

  let staticTarget: FakeTarget;
  let sdTarget: FakeTarget;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openTestStorage(database.url, backend.poolLimits);
    staticTarget = await target('static-host');
    sdTarget = await target('sd-host');
    ingester = await startTestIngester(storage, { SCRAPE_INTERVAL: '1s', SCRAPE_TARGETS: staticTarget.address, SCRAPE_FILE_SD: '' });
    sdDir = await mkdtemp(path.join(tmpdir(), 'sextant-file-sd-'));
    sdFile = path.join(sdDir, 'targets.json');
  });

  afterAll(async () => {
    await ingester?.close();
    for (const t of targets) await t.stop();
    await storage?.close();
    await database?.drop();
    if (sdDir !== '') await rm(sdDir, { recursive: true, force: true });
  });

  it('scrapes a static target: its series with job and instance, the report series, and a snapshot', async () => {
    const up = await waitFor('up samples', async () => {
      const rows = await samplesOf('up', staticTarget.address);
      return rows.length >= 2 ? rows : undefined;
    });
    expect(up.every((r) => r.value === 1)).toBe(true);
    const [series] = await query<{ labels: Record<string, string> }>(`SELECT labels FROM series WHERE metric_name = 'node_load1'`);
    expect(series?.labels).toEqual({ job: 'node', instance: staticTarget.address });
    for (const name of ['scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      expect((await samplesOf(name, staticTarget.address)).length, name).toBeGreaterThan(0);
    }
    expect((await samplesOf('scrape_samples_scraped', staticTarget.address))[0]!.value).toBe(6);
    const snapshot = await waitFor('a snapshot with cpu', async () => {
      const rows = await query<{ name: string; address: string; cpu_usage: number; memory_usage: number }>(
        `SELECT s.name, s.address, m.cpu_usage, m.memory_usage FROM metrics_snapshots m JOIN servers s ON s.id = m.server_id
          WHERE s.address = $1 AND m.cpu_usage IS NOT NULL`,
        [staticTarget.address],
      );
      return rows[0];
    });
    // Both counters move by the same amount between scrapes.
    expect(snapshot).toEqual({ name: 'static-host', address: staticTarget.address, cpu_usage: 50, memory_usage: 75 });
    // The registered server is the static target, not a second one.
    expect(ingester!.scrape.loops().filter((l) => l.target.address === staticTarget.address)).toHaveLength(1);
  });

  it('picks up a file_sd file with its labels, and marks its series stale when the target goes', async () => {
    await ingester!.close();
    ingester = await startTestIngester(storage, { SCRAPE_INTERVAL: '1s', SCRAPE_FILE_SD: path.join(sdDir, '*.json') });
    // Started with the pattern matching nothing yet; the file appears afterwards.
    await writeFile(sdFile, JSON.stringify([{ targets: [sdTarget.address], labels: { job: 'edge', dc: 'eu' } }]));
    const [series] = await waitFor('a series from the file_sd target', async () => {
      const rows = await query<{ labels: Record<string, string> }>(`SELECT labels FROM series WHERE metric_name = 'node_load1' AND labels->>'instance' = $1`, [sdTarget.address]);
      return rows.length > 0 ? rows : undefined;
    });
    expect(series!.labels).toEqual({ job: 'edge', dc: 'eu', instance: sdTarget.address });
    await rm(sdFile);
    const stale = await waitFor('stale markers', async () => {
      const rows = await samplesOf('node_load1', sdTarget.address);
      return rows.at(-1)?.stale === true ? rows : undefined;
    });
    expect(stale.filter((r) => r.stale)).toHaveLength(1);
    const staleUp = await samplesOf('up', sdTarget.address);
    expect(staleUp.at(-1)!.stale).toBe(true);
  });

  it('scrapes a server added to the database within one interval of the next refresh', async () => {
    const added = await target('added-host');
    await storage.pool.query(`INSERT INTO servers (name, address) VALUES ('added through the API', $1)`, [added.address]);
    await ingester!.scrape.refresh();
    const rows = await waitFor('samples of the added server', async () => {
      const r = await samplesOf('up', added.address);
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 3_000 });
    expect(rows[0]!.value).toBe(1);
    // Status follows once the batch's snapshots are derived, right after its samples commit.
    const server = await waitFor('the added server up', async () => {
      const [row] = await query<{ status: string; last_seen_at: Date | null }>(`SELECT status, last_seen_at FROM servers WHERE address = $1`, [added.address]);
      return row?.status === 'up' ? row : undefined;
    });
    expect(server.last_seen_at!.getTime()).toBeGreaterThanOrEqual(rows[0]!.time.getTime());
  });
});

describe('sharding targets between ingesters', () => {
  it('scrapes only the targets whose address hashes to this shard, and together the shards scrape each once', async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `127.0.0.1:${1 + i}`);
    const managers = await Promise.all(
      [0, 1, 2].map((shard) =>
        startScrapeManager({
          intervalMs: 60_000,
          timeoutMs: 1_000,
          bodySizeLimit: 0,
          sampleLimit: 0,
          job: 'node',
          staticTargets: addresses.map((address) => ({ address, job: 'node', labels: {} })),
          fileSd: [],
          sink: () => Promise.resolve(),
          log,
          shards: 3,
          shard,
        }),
      ),
    );
    try {
      const scraped = managers.map((m) => m.loops().map((l) => l.target.address));
      scraped.forEach((list, shard) => expect(list.every((a) => shardOf(a, 3) === shard)).toBe(true));
      expect(scraped.flat().sort()).toEqual([...addresses].sort());
      expect(scraped.every((list) => list.length > 0)).toBe(true);
    } finally {
      await Promise.all(managers.map((m) => m.close()));
    }
  });
});
