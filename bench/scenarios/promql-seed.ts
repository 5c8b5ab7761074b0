// The PromQL benchmark's data, the same samples for both: Sextant's `series`/`samples` tables
// (generated in SQL) and an OpenMetrics file that promtool turns into Prometheus TSDB blocks.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type pg from 'pg';

/** Series `bench_cpu_seconds_total{instance, job, cpu, mode}`: `hosts` × 4 modes, one sample a minute. */
export interface PromqlBenchData {
  hosts: number;
  days: number;
  /** First sample (ms, whole minute); sample i is at firstMs + i·60 s. */
  firstMs: number;
}

const MODES = ['user', 'system', 'iowait', 'idle'] as const;
const STEP_MS = 60_000;

export function samplesPerSeries(d: PromqlBenchData): number {
  return d.days * 1440;
}

function labelsOf(k: number): Record<string, string> {
  return { instance: `host-${String(Math.floor(k / MODES.length)).padStart(3, '0')}:9100`, job: 'node', cpu: '0', mode: MODES[k % MODES.length]! };
}

/** A monotonic counter, identical in SQL and here: i·(k mod 7 + 1)/2 + (i mod 13)/100. */
function value(k: number, i: number): number {
  return (i * ((k % 7) + 1)) / 2 + (i % 13) / 100;
}

/** Inserts the series and samples with one statement per series. */
export async function loadSextant(pool: pg.Pool, d: PromqlBenchData): Promise<void> {
  const n = samplesPerSeries(d);
  for (let k = 0; k < d.hosts * MODES.length; k++) {
    const { rows } = await pool.query<{ id: string }>('INSERT INTO series (metric_name, labels) VALUES ($1, $2) RETURNING id', ['bench_cpu_seconds_total', JSON.stringify(labelsOf(k))]);
    await pool.query(
      `INSERT INTO samples (series_id, "time", value)
       SELECT $1, to_timestamp(($2::bigint + i::bigint * ${STEP_MS}) / 1000.0), (i * ($3::int % 7 + 1))::float8 / 2 + (i % 13)::float8 / 100
       FROM generate_series(0, $4::int - 1) AS i`,
      [rows[0]!.id, d.firstMs, k, n],
    );
  }
}

/**
 * Writes the same samples as OpenMetrics text (timestamps in seconds) for `promtool tsdb
 * create-blocks-from openmetrics`, one file per day: promtool reads its whole input once for every
 * 2-hour block it writes, so a month in one file would be read 360 times. Returns the files.
 */
export async function writeOpenMetrics(dir: string, d: PromqlBenchData): Promise<string[]> {
  const perDay = 1440;
  const files: string[] = [];
  for (let day = 0; day < d.days; day++) {
    const file = path.join(dir, `day-${String(day).padStart(3, '0')}.om`);
    files.push(file);
    const out = createWriteStream(file);
    const write = async (text: string): Promise<void> => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write('# TYPE bench_cpu_seconds_total gauge\n');
    for (let k = 0; k < d.hosts * MODES.length; k++) {
      const l = labelsOf(k);
      const name = `bench_cpu_seconds_total{instance="${l.instance}",job="node",cpu="0",mode="${l.mode}"}`;
      let chunk = '';
      for (let i = day * perDay; i < (day + 1) * perDay; i++) chunk += `${name} ${value(k, i)} ${(d.firstMs + i * STEP_MS) / 1000}\n`;
      await write(chunk);
    }
    await write('# EOF\n');
    out.end();
    await once(out, 'finish');
  }
  return files;
}
