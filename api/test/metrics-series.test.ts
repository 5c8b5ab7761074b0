import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Capabilities, Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { chooseStep } from '../src/metrics/choose-step.ts';
import { latestSnapshot } from '../src/metrics/latest-snapshot.ts';
import { readSeries } from '../src/metrics/read-series.ts';
import type { SeriesQuery } from '../src/metrics/read-series.ts';
import { seriesSchema } from '../src/metrics/series-schema.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
// sextant_bucket's origin (time_bucket's): buckets are [ORIGIN + k·step, ORIGIN + (k+1)·step).
const ORIGIN = Date.UTC(2000, 0, 3);

// The test data: one snapshot a minute; cpu and memory follow formulas of the minute index.
const cpuAt = (i: number) => (i * 7) % 100;
const memoryAt = (i: number) => 20 + (i % 13);

interface Snapshot {
  t: number;
  cpu: number;
  memory: number;
}

function minutes(start: number, count: number): Snapshot[] {
  return Array.from({ length: count }, (_, i) => ({ t: start + i * MINUTE, cpu: cpuAt(i), memory: memoryAt(i) }));
}

/** Expected points: the mean of the snapshots of each whole step-wide bucket touching [from, to]. */
function expectedPoints(data: readonly Snapshot[], fromMs: number, toMs: number, stepMs: number) {
  const first = ORIGIN + Math.floor((fromMs - ORIGIN) / stepMs) * stepMs;
  const end = ORIGIN + Math.floor((toMs - ORIGIN) / stepMs) * stepMs + stepMs;
  const buckets = new Map<number, Snapshot[]>();
  for (const s of data) {
    if (s.t < first || s.t >= end) continue;
    const b = ORIGIN + Math.floor((s.t - ORIGIN) / stepMs) * stepMs;
    buckets.set(b, [...(buckets.get(b) ?? []), s]);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, ss]) => ({
      timestamp: new Date(t).toISOString().replace('.000Z', 'Z'),
      samples: ss.length,
      cpuUsage: ss.reduce((sum, s) => sum + s.cpu, 0) / ss.length,
      memoryUsage: ss.reduce((sum, s) => sum + s.memory, 0) / ss.length,
    }));
}

const pointsOf = (body: string | undefined) => seriesSchema.parse(JSON.parse(body!)).points;
const comparable = (points: z.infer<typeof seriesSchema>['points']) =>
  points.map((p) => ({ timestamp: p.timestamp, samples: p.samples, cpuUsage: p.cpuUsage, memoryUsage: p.memoryUsage }));
const close = (actual: ReturnType<typeof comparable>, expected: ReturnType<typeof expectedPoints>) => {
  expect(actual.map((p) => [p.timestamp, p.samples])).toEqual(expected.map((p) => [p.timestamp, p.samples]));
  actual.forEach((p, i) => {
    expect(p.cpuUsage).toBeCloseTo(expected[i]!.cpuUsage, 9);
    expect(p.memoryUsage).toBeCloseTo(expected[i]!.memoryUsage, 9);
  });
};

describe.each(testBackends())('metrics series on $name', (backend) => {
  let database: TestDatabase;
  let storage: Storage;
  let caps: Capabilities;
  let serverId: string;
  let data: Snapshot[];
  // Whole minutes, so the data and the rollup's closed hours line up with real time.
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  // The rollup closes the hours before this one, whatever the wall clock reads by the time it runs.
  const hour = Math.floor(now / HOUR) * HOUR;
  // Snapshots written after the rollup: the last five minutes, but none in an hour already rolled up.
  const recentFrom = Math.max(now - 5 * MINUTE, hour);
  let recentCount = 0;
  const start = Math.floor((now - 2 * DAY) / HOUR) * HOUR - 17 * MINUTE;

  const insert = async (snapshots: readonly Snapshot[]) => {
    await storage.pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage)
       SELECT $1, to_timestamp(t / 1000.0), c, m FROM unnest($2::float8[], $3::float8[], $4::float8[]) AS p(t, c, m)`,
      [serverId, snapshots.map((s) => s.t), snapshots.map((s) => s.cpu), snapshots.map((s) => s.memory)],
    );
  };
  const rollUp = async () => {
    if (caps.timescaledb) await storage.pool.query(`CALL refresh_continuous_aggregate('metrics_snapshots_1h', NULL, to_timestamp($1 / 1000.0))`, [hour]);
    else await runMaintenance({ pool: storage.pool, caps, retention, log }, new Date(now));
  };
  const series = (q: Omit<SeriesQuery, 'serverId' | 'source' | 'stepSeconds'> & { stepSeconds?: number }) => {
    const choice = chooseStep({ ...q, minStepSeconds: 60 });
    return readSeries(storage.pool, { serverId, ...q, ...choice });
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    caps = (await migrate({ pool: storage.pool, mode: 'auto', retention, log })).caps;
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    serverId = (await storage.pool.query<{ id: string }>(`INSERT INTO servers (name, address) VALUES ('db-1', 'db-1:9464') RETURNING id`)).rows[0]!.id;
    // Two days up to the recent minutes, rolled up; then the recent minutes up to now, not rolled up.
    data = minutes(start, (recentFrom - start) / MINUTE);
    await insert(data);
    await rollUp();
    const recent = minutes(recentFrom, (now - recentFrom) / MINUTE + 1).map((s, i) => ({ ...s, cpu: 90 + i, memory: 70 }));
    recentCount = recent.length;
    await insert(recent);
    data.push(...recent);
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('averages raw snapshots over whole buckets for short steps', async () => {
    const fromMs = now - 6 * HOUR;
    const body = await series({ fromMs, toMs: now, maxPoints: 1000, stepSeconds: 300 });
    expect(JSON.parse(body!)).toMatchObject({ source: 'raw', stepSeconds: 300 });
    close(comparable(pointsOf(body)), expectedPoints(data, fromMs, now, 300_000));
  });

  it('reads whole-hour steps from the rollup, with the hours not rolled up yet from raw snapshots', async () => {
    const fromMs = now - 2 * DAY;
    const body = await series({ fromMs, toMs: now, maxPoints: 1000, stepSeconds: 3 * 3600 });
    expect(JSON.parse(body!)).toMatchObject({ source: 'rollup', stepSeconds: 10_800 });
    const points = comparable(pointsOf(body));
    close(points, expectedPoints(data, fromMs, now, 3 * HOUR));
    // The newest point holds the snapshots written after the rollup ran.
    expect(recentCount).toBeGreaterThan(0);
    expect(points.at(-1)!.samples).toBeGreaterThanOrEqual(recentCount);
  });

  it('answers rollup and raw alike for the same hourly buckets', async () => {
    const fromMs = now - DAY;
    const rollup = comparable(pointsOf(await readSeries(storage.pool, { serverId, fromMs, toMs: now, maxPoints: 100, stepSeconds: 3600, source: 'rollup' })));
    const raw = comparable(pointsOf(await readSeries(storage.pool, { serverId, fromMs, toMs: now, maxPoints: 100, stepSeconds: 3600, source: 'raw' })));
    expect(rollup.length).toBeGreaterThan(20);
    close(rollup, raw.map((p) => ({ ...p, cpuUsage: p.cpuUsage!, memoryUsage: p.memoryUsage! })));
  });

  it('never returns more points than the budget, whatever the range and step asked for', async () => {
    const cases = [
      { range: 2 * DAY, maxPoints: 10 },
      { range: 2 * DAY, maxPoints: 49 },
      { range: 6 * HOUR, maxPoints: 7, stepSeconds: 60 },
      { range: 50 * MINUTE, maxPoints: 2 },
      { range: 2 * DAY + 3 * MINUTE, maxPoints: 1000, stepSeconds: 1 },
    ];
    for (const c of cases) {
      const body = await series({ fromMs: now - c.range, toMs: now, maxPoints: c.maxPoints, ...(c.stepSeconds === undefined ? {} : { stepSeconds: c.stepSeconds }) });
      const points = pointsOf(body);
      expect(points.length, JSON.stringify(c)).toBeLessThanOrEqual(c.maxPoints);
      expect(points.length, JSON.stringify(c)).toBeGreaterThan(0);
    }
  });

  it('keeps serving old hours from the rollup after their raw snapshots expire', async () => {
    const cutoff = start + 12 * HOUR;
    await storage.pool.query(`DELETE FROM metrics_snapshots WHERE server_id = $1 AND "timestamp" < to_timestamp($2 / 1000.0)`, [serverId, cutoff]);
    const fromMs = start;
    const toMs = start + DAY;
    const rollup = comparable(pointsOf(await readSeries(storage.pool, { serverId, fromMs, toMs, maxPoints: 100, stepSeconds: 3600, source: 'rollup' })));
    const raw = comparable(pointsOf(await readSeries(storage.pool, { serverId, fromMs, toMs, maxPoints: 100, stepSeconds: 3600, source: 'raw' })));
    close(rollup, expectedPoints(data, fromMs, toMs, HOUR));
    expect(raw.length).toBeLessThan(rollup.length - 10);
  });

  it('answers undefined for an unknown server and an empty series for a range without data', async () => {
    expect(await readSeries(storage.pool, { serverId: '00000000-0000-4000-8000-000000000000', fromMs: now - HOUR, toMs: now, maxPoints: 10, stepSeconds: 60, source: 'raw' })).toBeUndefined();
    expect(pointsOf(await series({ fromMs: now - 400 * DAY, toMs: now - 300 * DAY, maxPoints: 100 }))).toEqual([]);
  });

  it('gives the newest snapshot', async () => {
    const latest = JSON.parse((await latestSnapshot(storage.pool, serverId))!) as { serverId: string; latest: { timestamp: string; cpuUsage: number } };
    expect(latest.serverId).toBe(serverId);
    expect(latest.latest.timestamp).toBe(new Date(data.at(-1)!.t).toISOString());
    expect(latest.latest.cpuUsage).toBe(data.at(-1)!.cpu);
    expect(await latestSnapshot(storage.pool, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});
