// Prometheus 2.42 scrapes node_exporter (and itself) and remote-writes into Sextant's ingester; then
// the same PromQL runs through query_range on both over the same window and step. Results must
// match (same series and labels, values within 1e-9 relative) or Sextant must refuse the expression
// with an error; a different answer fails the test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngesterServer, createWriter } from '@sextant/ingester';
import type { IngesterServer, Writer } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { runMaintenance } from '@sextant/storage';
import { findPeer, freePort, sharedTestdata, stopChild, waitFor, waitForHttp } from '@sextant/testkit/process';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';
import { GENERAL_CASES, MIXIN_CASES } from './promql-compare-cases.ts';

const PROMETHEUS = findPeer('prometheus', ['/usr/bin/prometheus']);
const NODE_EXPORTER = findPeer('node_exporter', ['/usr/bin/prometheus-node-exporter']);
const DASHBOARD = sharedTestdata('grafana/node-exporter-full.json');
const DAY = 86_400_000;
const log = createLogger({ level: 'silent' });

type Series = { metric: Record<string, string>; values: [number, string][] };
type Answer = { status: 'success'; data: { resultType: string; result: Series[] } } | { status: 'error'; errorType: string; error: string };

/** The expressions of every panel of Node Exporter Full, with its variables filled in. */
async function dashboardCases(file: string, instance: string): Promise<string[]> {
  const dashboard = JSON.parse(await readFile(file, 'utf8')) as { panels: Panel[] };
  type Panel = { targets?: { expr?: string }[]; panels?: Panel[] };
  const out = new Set<string>();
  const walk = (p: Panel): void => {
    for (const t of p.targets ?? []) if (t.expr !== undefined && t.expr.trim() !== '') out.add(t.expr.replaceAll('$node', instance).replaceAll('$job', 'node').replaceAll('$__rate_interval', '15s'));
    for (const c of p.panels ?? []) walk(c);
  };
  dashboard.panels.forEach(walk);
  return [...out];
}

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

/** Why two successful answers differ, or undefined when they match. */
function difference(ours: Series[], theirs: Series[]): string | undefined {
  const key = (m: Record<string, string>) => JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]));
  const mine = new Map(ours.map((s) => [key(s.metric), s]));
  if (ours.length !== theirs.length) return `${ours.length} series instead of ${theirs.length}`;
  for (const s of theirs) {
    const m = mine.get(key(s.metric));
    if (m === undefined) return `missing series ${key(s.metric)}`;
    if (m.values.length !== s.values.length) return `${key(s.metric)}: ${m.values.length} points instead of ${s.values.length}`;
    for (const [i, [t, v]] of s.values.entries()) {
      const [mt, mv] = m.values[i]!;
      if (mt !== t || !sameValue(mv, v)) return `${key(s.metric)} at ${t}: ${mv}@${mt} instead of ${v}`;
    }
  }
  return undefined;
}

/**
 * For topk/bottomk: which of several series with equal values is picked depends on the order the
 * storage hands series over, which Prometheus leaves undefined; so compare the values picked at each
 * step (as sorted lists), not which series carried them.
 */
function selectionDifference(ours: Series[], theirs: Series[]): string | undefined {
  const byStep = (result: Series[]) => {
    const steps = new Map<number, number[]>();
    for (const s of result) for (const [t, v] of s.values) steps.set(t, [...(steps.get(t) ?? []), Number(v)]);
    for (const values of steps.values()) values.sort((a, b) => a - b);
    return steps;
  };
  const mine = byStep(ours);
  const expected = byStep(theirs);
  if (mine.size !== expected.size) return `${mine.size} steps instead of ${expected.size}`;
  for (const [t, values] of expected) {
    const got = mine.get(t);
    if (got === undefined || got.length !== values.length || got.some((v, i) => !sameValue(String(v), String(values[i])))) {
      return `at ${t}: values ${JSON.stringify(got)} instead of ${JSON.stringify(values)}`;
    }
  }
  return undefined;
}

describe.skipIf(PROMETHEUS === undefined || NODE_EXPORTER === undefined || DASHBOARD === undefined)('PromQL results match Prometheus 2.42 on the same samples', () => {
  let t: TestApi;
  let writer: Writer;
  let ingester: IngesterServer;
  let nodeExporter: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let dir = '';
  let promUrl = '';
  let instance = '';

  beforeAll(async () => {
    t = await startTestApi();
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    await runMaintenance({ pool: t.storage.pool, caps: t.caps, retention, log }, new Date());
    writer = createWriter({ pool: t.storage.pool, log });
    ingester = createIngesterServer({ sink: (batch) => writer.write(batch), pool: t.storage.pool, log, remoteWriteAuth: 'open' });
    const ingesterUrl = await ingester.listen(0, '127.0.0.1');

    const nodePort = await freePort();
    instance = `127.0.0.1:${nodePort}`;
    nodeExporter = spawn(NODE_EXPORTER!, [`--web.listen-address=${instance}`], { stdio: 'ignore' });
    await waitForHttp(`http://${instance}/metrics`);

    dir = await mkdtemp(path.join(tmpdir(), 'sextant-promql-compare-'));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    await writeFile(path.join(dir, 'prometheus.yml'), [
      // evaluation_interval stays at its default (1m): the step of subqueries that give none, as in Sextant.
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1m }',
      'scrape_configs:',
      `  - { job_name: node, static_configs: [{ targets: ['${instance}'] }] }`,
      `  - { job_name: prometheus, static_configs: [{ targets: ['127.0.0.1:${promPort}'] }] }`,
      'remote_write:',
      `  - url: ${ingesterUrl}/api/v1/write`,
      '    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 5000, min_backoff: 100ms, max_backoff: 1s }',
      '',
    ].join('\n'));
    prometheus = spawn(PROMETHEUS!, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: 'ignore' });
    await waitFor('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), { attempts: 240, timeoutMs: 60_000, intervalMs: 250 });
  }, 120_000);

  afterAll(async () => {
    await stopChild(prometheus, 10_000);
    await stopChild(nodeExporter, 10_000);
    await ingester?.close();
    await writer?.close();
    await t?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const promQueryRange = async (query: string, start: number, end: number, step: number): Promise<Answer> => {
    const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
    const res = await fetch(`${promUrl}/api/v1/query_range`, { method: 'POST', body });
    return (await res.json()) as Answer;
  };
  const ourQueryRange = async (query: string, start: number, end: number, step: number): Promise<Answer> => {
    const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) }).toString();
    const res = await t.request('/api/v1/query_range', { method: 'POST', token: t.users.viewer.accessToken, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return res.body as Answer;
  };

  it('answers ≥ 100 dashboard, node-mixin and operator/function expressions as Prometheus does', async () => {
    // A minute and a half of 1 s scrapes in Prometheus, all of it remote-written into Sextant.
    const firstScrape = await waitFor('first scrape', async () => {
      const a = await promQueryRange(`timestamp(up{job="node"})`, Date.now() / 1000 - 30, Date.now() / 1000, 1);
      const v = a.status === 'success' ? a.data.result[0]?.values[0]?.[1] : undefined;
      return v === undefined ? undefined : Number(v);
    }, { attempts: 200, timeoutMs: 60_000, intervalMs: 500 });
    // Every series the window reads must have existed for longer than its ranges before the window
    // starts (see promql-compare-cases.ts on counters that start inside a range): 110 scrapes of both jobs.
    await waitFor('110 scrapes of each job', async () => {
      const now = Date.now() / 1000;
      const a = await promQueryRange('min(count_over_time(up[3m])) and on() count(up) == 2', now, now, 1);
      return a.status === 'success' && Number(a.data.result[0]?.values[0]?.[1] ?? 0) >= 110 ? true : undefined;
    }, { attempts: 400, timeoutMs: 180_000, intervalMs: 1000 });
    // The window ends 10 s ago, at a time no scrape falls on exactly (left-closed and left-open range selection agree).
    const end = Math.floor(Date.now() / 1000) - 10 + ((firstScrape % 1) + 0.5) % 1;
    const start = end - 60;
    const step = 3;
    // Remote write sends in batches over several shards, each in order: the window is stored when
    // Prometheus has sent past it, and every series Sextant holds has a sample past it. (Waiting for
    // Prometheus's pending count to read 0 races with its 1 s scrapes and can miss on a busy machine.)
    await waitFor('remote write sent past the window', async () => {
      const now = Date.now() / 1000;
      const a = await promQueryRange('min(prometheus_remote_storage_queue_highest_sent_timestamp_seconds) > bool ' + String(end + 3), now, now, 1);
      return a.status === 'success' && a.data.result[0]?.values[0]?.[1] === '1' ? true : undefined;
    }, { attempts: 240, timeoutMs: 120_000, intervalMs: 500 });
    await waitFor('every series stored past the window', async () => {
      const now = Date.now() / 1000;
      const a = await ourQueryRange('min(timestamp(label_replace({__name__=~".+"}, "compare_metric_name", "$1", "__name__", "(.+)"))) and on() count(up) == 2', now, now, 1);
      return a.status === 'success' && Number(a.data.result[0]?.values[0]?.[1] ?? 0) > end + 3 ? true : undefined;
    }, { attempts: 240, timeoutMs: 120_000, intervalMs: 500 });

    const cases = [...(await dashboardCases(DASHBOARD!, instance)), ...MIXIN_CASES, ...GENERAL_CASES];
    const matched: string[] = [];
    const nonEmpty: string[] = [];
    const refused: string[] = [];
    const different: string[] = [];
    for (const expr of cases) {
      const [ours, theirs] = await Promise.all([ourQueryRange(expr, start, end, step), promQueryRange(expr, start, end, step)]);
      if (ours.status === 'error') {
        if (theirs.status === 'error') matched.push(expr);
        else refused.push(`${expr} → ${ours.errorType}: ${ours.error}`);
        continue;
      }
      if (theirs.status === 'error') {
        different.push(`${expr}: Prometheus refused (${theirs.error}), Sextant answered`);
        continue;
      }
      const why = (/^(topk|bottomk)\b/.test(expr) ? selectionDifference : difference)(ours.data.result, theirs.data.result);
      if (why === undefined) {
        matched.push(expr);
        if (theirs.data.result.length > 0) nonEmpty.push(expr);
      } else different.push(`${expr}: ${why}`);
    }
    process.stdout.write(
      `PromQL vs Prometheus 2.42: ${cases.length} expressions, ${matched.length} match (${nonEmpty.length} with data), ` +
        `${refused.length} refused by Sextant, ${different.length} different\n` +
        refused.map((r) => `  refused: ${r}\n`).join('') + different.map((d) => `  DIFFERENT: ${d}\n`).join(''),
    );
    expect(different).toEqual([]);
    expect(matched.length).toBeGreaterThanOrEqual(100);
    expect(nonEmpty.length).toBeGreaterThanOrEqual(100);
  }, 480_000);
});
