// Prometheus's own PromQL test scripts (promqltest) run against the engine over a real PostgreSQL.
//
// Time: the scripts count from the Unix epoch. The plain-PostgreSQL schema only has daily partitions
// near "now", so this test adds a DEFAULT partition to `samples` in its own database and stores the
// scripts' timestamps unchanged (no shifting). Stale markers are written with their exact NaN bits
// (a binary float8 parameter), as the ingester's writer does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { compactSampleBlocks, migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { sharedTestdata, testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createEngine } from '../src/promql/engine.ts';
import type { Engine, QueryResult } from '../src/promql/engine.ts';
import { createSqlSeriesSource } from '../src/promql/sql-series-source.ts';
import { parseScript } from './promql-script.ts';
import type { Command, Labels, SeriesLine } from './promql-script.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };

/** Whole files not run, with the reason. */
const SKIPPED_FILES: Record<string, string> = {
  'limit.test': 'limitk() and limit_ratio() are experimental (Prometheus 3.x) and not supported',
};

/** Cases skipped by what their query uses: features newer than Prometheus 2.42 or native histograms. */
const SKIPPED_FEATURES: [RegExp, string][] = [
  [/\b(histogram_(count|sum|avg|fraction|stddev|stdvar|quantiles)|histogram)\b|\{\{/, 'native histograms are not stored by Sextant'],
  [/\b(info|limitk|limit_ratio|double_exponential_smoothing|sort_by_label(_desc)?|mad_over_time|first_over_time|ts_of_(first|last|min|max)_over_time|start_timestamp)\s*\(/, 'experimental function of Prometheus 3.x'],
  [/(?<!@\s*)\b(start|end)\(\)/, 'start()/end() as functions (Prometheus 3.x experimental)'],
  [/\b(min_of|max_of)\(|\b(step|range)\s*\(\)|\[[^\]]*[+*/%^][^\]]*\]|offset\s+\(|\bstep\(\)/, 'duration expressions (Prometheus 3.x experimental)'],
  [/\b(anchored|smoothed|fill|fill_left|fill_right)\b/, 'anchored/smoothed/fill modifiers (Prometheus 3.x experimental)'],
];

/** Single cases known to differ, by `file:line`, with the reason. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'functions.test:1649': 'its regex selects native-histogram series (not stored by Sextant) beside float ones',
  'literals.test:43': 'the lezer grammar does not read a trailing-dot number ("2.")',
};

/** Go's almost.Equal with promqltest's epsilon. */
function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

const key = (l: Labels): string => JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));
const staleBits = Buffer.from('7ff0000000000002', 'hex');

async function load(storage: Storage, cmd: Command & { kind: 'load' }): Promise<void> {
  for (const s of cmd.series) {
    if (s.histogram) continue;
    const { __name__: name = '', ...rest } = s.labels;
    const { rows } = await storage.pool.query<{ id: string }>(
      `INSERT INTO series (metric_name, labels) VALUES ($1, $2::jsonb)
       ON CONFLICT (metric_name, labels) DO UPDATE SET last_seen_at = now() RETURNING id`,
      [name, JSON.stringify(rest)],
    );
    const id = rows[0]!.id;
    const ts: number[] = [];
    const vs: number[] = [];
    for (const [i, p] of s.points.entries()) {
      const t = i * cmd.intervalMs;
      if (p === 'stale') {
        await storage.pool.query('INSERT INTO samples VALUES ($1, $2, $3) ON CONFLICT (series_id, "time") DO UPDATE SET value = EXCLUDED.value', [id, new Date(t).toISOString(), staleBits]);
      } else if (p !== undefined) {
        ts.push(t);
        vs.push(p);
      }
    }
    await storage.pool.query(
      `INSERT INTO samples SELECT $1, to_timestamp(t / 1000.0), v FROM unnest($2::float8[], $3::float8[]) AS x(t, v) ON CONFLICT (series_id, "time") DO UPDATE SET value = EXCLUDED.value`,
      [id, ts, vs.map((v) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v)))],
    );
  }
}

function compareSeries(got: { labels: Labels; t: number[]; v: number[] }[], want: SeriesLine[], times: (i: number) => number, ordered: boolean): void {
  const byKey = new Map(got.map((s) => [key(s.labels), s]));
  expect(got.map((s) => key(s.labels)).sort(), 'series').toEqual(want.map((s) => key(s.labels)).sort());
  if (ordered) expect(got.map((s) => key(s.labels))).toEqual(want.map((s) => key(s.labels)));
  for (const w of want) {
    const g = byKey.get(key(w.labels))!;
    const points = new Map(g.t.map((t, i) => [t, g.v[i]!]));
    const wanted = w.points.flatMap((p, i) => (p === undefined ? [] : [[times(i), p] as const]));
    expect([...points.keys()], `timestamps of ${key(w.labels)}`).toEqual(wanted.map(([t]) => t));
    for (const [t, p] of wanted) {
      const v = points.get(t)!;
      if (!almostEqual(v, p as number)) expect(v, `${key(w.labels)} at ${t / 1000}s`).toBe(p);
    }
  }
}

async function check(engine: Engine, cmd: Command & { kind: 'eval' }): Promise<void> {
  const run = (): Promise<QueryResult> =>
    cmd.instant ? engine.instantQuery(cmd.query, cmd.atMs) : engine.rangeQuery(cmd.query, cmd.startMs, cmd.endMs, cmd.stepMs);
  if (cmd.fail) {
    await expect(run()).rejects.toThrow(cmd.failMessage ?? '');
    return;
  }
  const r = await run();
  if (cmd.expectString !== undefined) {
    expect(r).toMatchObject({ resultType: 'string', s: cmd.expectString });
  } else if (cmd.scalar !== undefined) {
    expect(r.resultType).toBe('scalar');
    const v = (r as { v: number }).v;
    if (!almostEqual(v, cmd.scalar)) expect(v).toBe(cmd.scalar);
  } else if (r.resultType === 'scalar' || r.resultType === 'string') {
    throw new Error(`expected series, got a ${r.resultType}`);
  } else if (cmd.instant && r.resultType === 'vector') {
    compareSeries(r.series, cmd.series, () => cmd.atMs, cmd.ordered);
  } else if (cmd.instant) {
    const rv = cmd.rangeVector;
    compareSeries(r.series, cmd.series, (i) => (rv === undefined ? i : rv.startMs + i * rv.stepMs), false);
  } else {
    compareSeries(r.series, cmd.series, (i) => cmd.startMs + i * cmd.stepMs, false);
  }
}

function skipReason(file: string, cmd: Command & { kind: 'eval' }, histogramSeries: boolean): string | undefined {
  const known = KNOWN_DIFFERENCES[`${file}:${cmd.line}`];
  if (known !== undefined) return known;
  for (const [re, reason] of SKIPPED_FEATURES) if (re.test(cmd.query)) return reason;
  if (cmd.series.some((s) => s.histogram) || histogramSeries) return 'native histograms are not stored by Sextant';
  return undefined;
}

const dir = sharedTestdata('promqltest');
const backend = testBackends().find((b) => !b.timescaledb && !b.skip);
const files = dir === undefined ? [] : ['aggregators.test', 'at_modifier.test', 'collision.test', 'functions.test', 'limit.test', 'literals.test',
  'operators.test', 'range_queries.test', 'selectors.test', 'staleness.test', 'subquery.test', 'trig_functions.test'];

// Every script twice: from raw rows, and from `sample_blocks` packed after each load (the answers must not differ).
for (const fromBlocks of [false, true]) describe.skipIf(backend === undefined || dir === undefined)(`promqltest scripts${fromBlocks ? ' over compacted blocks' : ''}`, () => {
  let database: TestDatabase;
  let storage: Storage;
  let engine: Engine;

  beforeAll(async () => {
    database = await backend!.create();
    storage = await openStorage({ url: database.url, log });
    await migrate({ pool: storage.pool, mode: 'off', retention, log });
    await storage.pool.query('CREATE TABLE samples_default PARTITION OF samples DEFAULT');
    engine = createEngine({ source: createSqlSeriesSource({ pool: storage.pool }) });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  // The scripts load samples directly, not through the writer: compaction starts over after each load.
  let loaded = false;
  const compact = async (): Promise<void> => {
    if (!fromBlocks || !loaded) return;
    loaded = false;
    await storage.pool.query(`TRUNCATE sample_blocks, sample_blocks_dirty`);
    await storage.pool.query(`UPDATE sample_blocks_watermark SET upto = '-infinity'`);
    const last = (await storage.pool.query<{ t: Date | null }>('SELECT max("time") AS t FROM samples')).rows[0]?.t;
    if (last === null || last === undefined) return;
    const client = await storage.pool.connect();
    try {
      await compactSampleBlocks(client, { now: new Date(last.getTime() + 3 * 3_600_000) });
    } finally {
      client.release();
    }
  };

  for (const file of files) {
    const skippedFile = SKIPPED_FILES[file];
    if (skippedFile !== undefined) {
      it.skip(`${file}: ${skippedFile}`, () => undefined);
      continue;
    }
    describe(file, () => {
      const commands = parseScript(readFileSync(path.join(dir!, file), 'utf8'));
      let applied = 0;
      // Series names loaded as native histograms: queries over them are skipped.
      const histogramNames = new Set<string>();
      const apply = async (upTo: number): Promise<void> => {
        for (; applied < upTo; applied++) {
          const c = commands[applied]!;
          if (c.kind === 'clear') {
            await storage.pool.query('TRUNCATE samples, series');
            histogramNames.clear();
          }
          if (c.kind === 'load') {
            for (const s of c.series) if (s.histogram) histogramNames.add(s.labels.__name__ ?? '');
            await load(storage, c);
          }
          if (c.kind === 'load' || c.kind === 'clear') loaded = true;
        }
        await compact();
      };
      commands.forEach((cmd, index) => {
        if (cmd.kind !== 'eval') return;
        const title = `${file}:${cmd.line} ${cmd.text}`;
        // Which names are histograms depends on earlier loads: computed statically from the script.
        const names = new Set<string>();
        for (const c of commands.slice(0, index)) {
          if (c.kind === 'clear') names.clear();
          if (c.kind === 'load') for (const s of c.series) if (s.histogram) names.add(s.labels.__name__ ?? '');
        }
        const usesHistogram = [...names].some((n) => n !== '' && new RegExp(`\\b${n}\\b`).test(cmd.query));
        const reason = skipReason(file, cmd, usesHistogram);
        if (reason !== undefined) {
          it.skip(`${title} — skipped: ${reason}`, () => undefined);
          return;
        }
        it(title, async () => {
          await apply(index);
          await check(engine, cmd);
        });
      });
    });
  }
});
