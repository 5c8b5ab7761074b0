import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { openTestStorage } from '../test/scrape-fixture.ts';
import { createGroupCommitSink } from './group-commit-sink.ts';
import { createIngestSink } from './ingest-sink.ts';
import type { IngestSink } from './ingest-sink.ts';
import { createSnapshotDeriver } from './snapshots/snapshot-deriver.ts';
import type { WriteBatch } from './write-batch.ts';
import { createWriter } from './writer/create-writer.ts';

const log = createLogger({ level: 'silent' });
const backend = testBackends().find((b) => !b.timescaledb)!;
const T0 = Date.now() - 60_000;

/** One scrape of `host`: `up` and a few node_exporter series at `t`. */
function scrape(host: number, t: number): WriteBatch {
  const instance = `host-${host}:9100`;
  const base = { job: 'node', instance };
  return {
    series: [
      { labels: { ...base, __name__: 'up' }, samples: [{ timestampMs: t, value: 1 }] },
      { labels: { ...base, __name__: 'node_load1' }, samples: [{ timestampMs: t, value: host / 10 }] },
      { labels: { ...base, __name__: 'node_memory_MemTotal_bytes' }, samples: [{ timestampMs: t, value: 8e9 }] },
      { labels: { ...base, __name__: 'node_memory_MemAvailable_bytes' }, samples: [{ timestampMs: t, value: 2e9 + host }] },
    ],
    onOutOfBounds: 'drop',
  };
}

describe(`group commit of scrape batches (${backend.name})`, () => {
  let database: TestDatabase;
  let storage: Storage;
  let sink: IngestSink;
  let writes = 0;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openTestStorage(database.url, backend.poolLimits);
    const real = createIngestSink({ writer: createWriter({ pool: storage.pool, log }), snapshots: createSnapshotDeriver({ pool: storage.pool, log }) });
    sink = (batch, origin) => {
      writes++;
      return real(batch, origin);
    };
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('stores 200 concurrent scrapes in far fewer transactions, each caller answered after its commit', async () => {
    const grouped = createGroupCommitSink(sink, { concurrency: 2 });
    writes = 0;
    const answered: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, host) =>
        grouped(scrape(host, T0), 'scrape').then(async () => {
          // Committed when answered: this scrape's `up` is visible from another connection now.
          const row = await storage.pool.query(`SELECT 1 FROM samples s JOIN series r ON r.id = s.series_id WHERE r.metric_name = 'up' AND r.labels->>'instance' = $1`, [`host-${host}:9100`]);
          if (row.rowCount === 1) answered.push(host);
        }),
      ),
    );
    expect(answered).toHaveLength(200);
    expect(writes).toBeLessThan(50);
    const stored = await storage.pool.query<{ n: string }>(`SELECT count(*) AS n FROM samples WHERE "time" = $1`, [new Date(T0)]);
    expect(Number(stored.rows[0]!.n)).toBe(800);
    // Snapshots and servers come out of the merged writes as they do from one scrape each.
    const servers = await storage.pool.query<{ n: string }>(`SELECT count(*) AS n FROM servers WHERE name LIKE 'host-%'`);
    expect(Number(servers.rows[0]!.n)).toBe(200);
  });

  it('takes the same series twice in one merged write (two scrapes of a target, or a retried one), storing each sample once', async () => {
    const grouped = createGroupCommitSink(sink, { concurrency: 1 });
    const t = T0 + 15_000;
    await Promise.all([grouped(scrape(1, t), 'scrape'), grouped(scrape(1, t), 'scrape'), grouped(scrape(1, t + 15_000), 'scrape'), grouped(scrape(2, t), 'scrape')]);
    const stored = await storage.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM samples s JOIN series r ON r.id = s.series_id WHERE r.labels->>'instance' IN ('host-1:9100', 'host-2:9100') AND s."time" >= $1`,
      [new Date(t)],
    );
    expect(Number(stored.rows[0]!.n)).toBe(12);
  });

  it('fails only the batch storage refuses for its data, and every batch of a write storage fails', async () => {
    const bad = scrape(500, T0 + 40_000);
    const refusing: IngestSink = (batch, origin) =>
      batch.series.some((s) => s.labels.instance === 'host-500:9100')
        ? Promise.reject(Object.assign(new Error('refused'), { code: 'WRITE_REJECTED' }))
        : sink(batch, origin);
    const grouped = createGroupCommitSink(refusing, { concurrency: 1 });
    const outcomes = await Promise.allSettled([501, 502, 500, 503, 504].map((host) => grouped(host === 500 ? bad : scrape(host, T0 + 40_000), 'scrape')));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const stored = await storage.pool.query<{ n: string }>(`SELECT count(*) AS n FROM samples WHERE "time" = $1`, [new Date(T0 + 40_000)]);
    expect(Number(stored.rows[0]!.n)).toBe(16);

    let down = true;
    const failing: IngestSink = (batch, origin) => (down ? Promise.reject(Object.assign(new Error('down'), { code: 'STORAGE_UNAVAILABLE' })) : sink(batch, origin));
    const whileDown = createGroupCommitSink(failing, { concurrency: 1 });
    const failed = await Promise.allSettled([600, 601, 602].map((host) => whileDown(scrape(host, T0 + 45_000), 'scrape')));
    expect(failed.every((o) => o.status === 'rejected')).toBe(true);
    down = false;
    await expect(whileDown(scrape(600, T0 + 45_000), 'scrape')).resolves.toMatchObject({ samples: 4 });
  });

  it('passes remote-write batches straight through, one write each', async () => {
    const grouped = createGroupCommitSink(sink, { concurrency: 1 });
    writes = 0;
    await Promise.all([700, 701, 702].map((host) => grouped(scrape(host, T0 + 60_000), 'remote-write')));
    expect(writes).toBe(3);
  });
});
