import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { findPeer, freePort, stopChild, waitFor } from '@sextant/testkit/process';

/** Debian's Prometheus 2.42, or undefined (a visible skip; a failure in CI). */
export const PROMETHEUS = findPeer('prometheus', ['/usr/bin/prometheus']);

export interface RunningPrometheus {
  url: string;
  close(): Promise<void>;
}

/** Prometheus scraping `jobs` every `interval` and remote-writing everything to `remoteWriteUrl`. */
export async function startPrometheus(options: {
  jobs: { name: string; targets: string[] }[];
  remoteWriteUrl: string;
  interval: string;
  bearerToken?: string;
}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-prometheus-'));
  const config = [
    `global: { scrape_interval: ${options.interval}, scrape_timeout: ${options.interval}, evaluation_interval: ${options.interval} }`,
    'scrape_configs:',
    ...options.jobs.map((j) => `  - { job_name: ${j.name}, static_configs: [{ targets: [${j.targets.map((t) => `'${t}'`).join(', ')}] }] }`),
    'remote_write:',
    `  - url: ${options.remoteWriteUrl}`,
    ...(options.bearerToken === undefined ? [] : [`    authorization: { credentials: ${options.bearerToken} }`]),
    // Small batches sent soon, quick retries: the test waits less (compat §2.4 for the defaults).
    '    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 2s, max_samples_per_send: 500 }',
    '    metadata_config: { send_interval: 10s }',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS!,
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  const close = async () => {
    await stopChild(child, 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Prometheus ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), { attempts: 240, timeoutMs: 60_000, intervalMs: 250 });
  } catch (err) {
    await close();
    throw err;
  }
  return { url, close };
}

/** Series identity (name and labels) → its samples as [ms, value], oldest first. */
export type RawSamples = Map<string, [number, number][]>;

const keyOf = (labels: Record<string, string>): string =>
  JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));

/**
 * Every sample Prometheus holds for `selector` in the `windowSeconds` up to `atMs`: a range selector
 * as an instant query returns the raw samples (stale markers left out, as count_over_time counts).
 */
export async function prometheusSamples(url: string, selector: string, atMs: number, windowSeconds: number): Promise<RawSamples> {
  const query = new URLSearchParams({ query: `${selector}[${windowSeconds}s]`, time: (atMs / 1000).toFixed(3) });
  const res = await fetch(`${url}/api/v1/query?${query.toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${body.error}`);
  return new Map(body.data.result.map((r) => [keyOf(r.metric), r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])]));
}

/** The same from Sextant's tables, for series whose labels contain `match`. */
export async function sextantSamples(pool: pg.Pool, match: Record<string, string>, atMs: number, windowSeconds: number): Promise<RawSamples> {
  const { rows } = await pool.query<{ name: string; labels: Record<string, string>; ms: string; value: number }>(
    `SELECT r.metric_name AS name, r.labels, (extract(epoch FROM s."time") * 1000)::bigint AS ms, s.value
       FROM samples s JOIN series r ON r.id = s.series_id
      WHERE r.labels @> $1::jsonb AND s."time" >= $2 AND s."time" <= $3
        AND float8send(s.value) <> '\\x7ff0000000000002'::bytea
      ORDER BY r.id, s."time"`,
    [JSON.stringify(match), new Date(atMs - windowSeconds * 1000), new Date(atMs)],
  );
  const out: RawSamples = new Map();
  for (const row of rows) {
    const key = keyOf({ __name__: row.name, ...row.labels });
    let list = out.get(key);
    if (list === undefined) out.set(key, (list = []));
    list.push([Number(row.ms), row.value]);
  }
  return out;
}

/** Differences between two sample sets, as readable lines (empty when they are equal). */
export function diffSamples(expected: RawSamples, actual: RawSamples): string[] {
  const problems: string[] = [];
  const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) problems.push(`missing series ${key}`);
    else if (got.length !== want.length) problems.push(`${key}: ${got.length} samples, Prometheus has ${want.length}`);
    else if (got.some(([t, v], i) => t !== want[i]![0] || !same(v, want[i]![1]))) problems.push(`${key}: samples differ`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`extra series ${key}`);
  return problems;
}
