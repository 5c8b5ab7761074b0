import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiConfigSchema, signAccessToken, startApi } from '@sextant/api';
import type { JwtKeys, RunningApi } from '@sextant/api';
import { parseExposition } from '@sextant/exposition';
import { createWriter, ingesterConfigSchema, startIngester } from '@sextant/ingester';
import type { RunningIngester, SeriesSamples } from '@sextant/ingester';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { loadDashboards, loadProvisioning, promQueries } from './dashboards.ts';
import type { TemplateVariable } from './dashboards.ts';
import { formatInterval, interpolatePromVariables, parseInterval } from './grafana-macros.ts';

// Must-show 1, PromQL half: every PromQL panel of the bundled dashboards runs against Sextant's
// own Prometheus-compatible API, as Grafana's Prometheus data source calls it (form POST to
// /api/v1/query_range, or /api/v1/query for instant panels; compat §4.3), and returns data. The
// data is what Sextant's processes really expose: a real API and a real ingester are scraped a few
// times and the samples stored through the ingester's writer, with the `up` and
// `scrape_duration_seconds` series a scraper adds (compat §1.6).

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const SCRAPES = 12;
const STEP_MS = 60_000;
const backend = testBackends().find((b) => !b.timescaledb)!;
const promDashboards = loadDashboards().filter(({ dashboard }) => promQueries(dashboard).length > 0);
const api = loadProvisioning('datasources').flatMap((f) => f.config.datasources ?? []).find((d) => d.uid === 'sextant-api')!;

describe("PromQL panels against Sextant's /api/v1", () => {
  let database: TestDatabase;
  let storage: Storage;
  let running: RunningApi;
  let ingester: RunningIngester;
  let dataDir = '';
  let token = '';
  const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  const start = end - (SCRAPES - 1) * STEP_MS;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, ...backend.poolLimits });
    const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const keys: JwtKeys = { algorithm: 'HS256', signingKey: randomBytes(32).toString('hex'), verifyingKey: '' };
    keys.verifyingKey = keys.signingKey;
    const config = apiConfigSchema.parse({ API_PORT: '0', API_HOST: '127.0.0.1', API_UI_DIR: '/nonexistent-sextant-ui' });
    running = await startApi({ config, storage, caps, log, keys });
    dataDir = await mkdtemp(path.join(tmpdir(), 'sextant-grafana-'));
    ingester = await startIngester({ config: ingesterConfigSchema.parse({ INGESTER_PORT: '0' }), dataDir, storage, log });
    const user = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('grafana', 'x', 'viewer') RETURNING id`);
    token = signAccessToken(keys, { id: user.rows[0]!.id, username: 'grafana', role: 'viewer' });

    // Scrape both processes SCRAPES times, and store each scrape as if taken one minute apart.
    const writer = createWriter({ pool: storage.pool, log });
    try {
      for (let i = 0; i < SCRAPES; i++) {
        for (const [job, url] of [['sextant-api', running.url], ['sextant-ingester', ingester.url]] as const) {
          const began = performance.now();
          const response = await fetch(`${url}/metrics`);
          expect(response.status, `${job} /metrics`).toBe(200);
          const exposition = parseExposition(await response.text(), 'text', { dropEmptyLabelValues: true });
          const timestampMs = start + i * STEP_MS;
          const target = { job, instance: new URL(url).host };
          const series: SeriesSamples[] = exposition.samples.map((s) => ({ labels: { ...s.labels, __name__: s.name, ...target }, samples: [{ timestampMs, value: s.value }] }));
          series.push({ labels: { __name__: 'up', ...target }, samples: [{ timestampMs, value: 1 }] });
          series.push({ labels: { __name__: 'scrape_duration_seconds', ...target }, samples: [{ timestampMs, value: (performance.now() - began) / 1000 }] });
          await writer.write({ series });
        }
      }
    } finally {
      await writer.close();
    }
  });

  afterAll(async () => {
    await ingester?.close();
    await running?.close();
    await storage?.close();
    await database?.drop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  /** Grafana's Prometheus call: form POST (httpMethod POST in provisioning), Prometheus envelope back. */
  const call = async (endpoint: string, params: Record<string, string>) => {
    const response = await fetch(`${running.url}/api/v1/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: unknown[] } };
    return { status: response.status, body };
  };

  /** `label_values(metric, label)` as Grafana asks it (GET /api/v1/label/<label>/values?match[]=metric). */
  const labelValues = async (variable: TemplateVariable): Promise<string[]> => {
    const query = (variable.query as { query: string }).query;
    const match = /^label_values\((\w+),\s*(\w+)\)$/.exec(query);
    expect(match, `variable ${variable.name}: ${query}`).not.toBeNull();
    const url = `${running.url}/api/v1/label/${match![2]}/values?match[]=${encodeURIComponent(match![1]!)}&start=${start / 1000}&end=${end / 1000}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: string[] }).data;
  };

  it('the Sextant data source is Prometheus-compatible enough for "Save & test" (compat §4.3)', async () => {
    const { status, body } = await call('query', { query: '1+1', time: '4' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ resultType: 'scalar', result: [4, '2'] });
  });

  describe.each(promDashboards)('$file', ({ dashboard }) => {
    it('every PromQL panel returns data, for "All" and for one value of each variable', async () => {
      const variables = (dashboard.templating?.list ?? []).filter((v) => v.type === 'query' && v.datasource?.uid === 'sextant-api');
      const options = new Map<TemplateVariable, string[]>();
      for (const variable of variables) {
        const values = await labelValues(variable);
        expect(values, `variable ${variable.name}`).toEqual(expect.arrayContaining(['sextant-api', 'sextant-ingester']));
        options.set(variable, values);
      }
      // "All" (the variable's allValue, else every value), then each value alone.
      const all = Object.fromEntries(variables.map((v) => [v.name!, v.allValue ?? options.get(v)!]));
      const singles = variables.flatMap((v) => options.get(v)!.map((value) => ({ ...all, [v.name!]: [value] })));
      // $__interval for an 11-minute range on a wide panel, floored at the data source's timeInterval; then
      // $__rate_interval = max($__interval + scrape interval, 4 × scrape interval) (compat §4.3).
      const scrapeMs = parseInterval(String(api.jsonData?.timeInterval).replace('${SEXTANT_SCRAPE_INTERVAL}', '60s'));
      const intervalMs = Math.max(STEP_MS, scrapeMs);
      const rateInterval = formatInterval(Math.max(intervalMs + scrapeMs, 4 * scrapeMs));
      const run = async (query: ReturnType<typeof promQueries>[number], values: Record<string, string | string[]>) => {
        const expr = interpolatePromVariables(query.expr.replaceAll('$__rate_interval', rateInterval).replaceAll('$__interval', formatInterval(intervalMs)), values);
        const { status, body } = query.instant
          ? await call('query', { query: expr, time: String(end / 1000) })
          : await call('query_range', { query: expr, start: String(start / 1000), end: String(end / 1000), step: String(intervalMs / 1000) });
        const label = `${query.where}: ${expr}`;
        expect(status, `${label}: ${body.error}`).toBe(200);
        expect(body.status, label).toBe('success');
        expect(body.data.resultType, label).toBe(query.instant ? 'vector' : 'matrix');
        return { label, results: body.data.result.length };
      };
      for (const query of promQueries(dashboard)) {
        const everything = await run(query, all);
        expect(everything.results, `${everything.label} returns data`).toBeGreaterThan(0);
        // A service-specific panel is empty for the other services, but some single choice shows it.
        const one = await Promise.all(singles.map((values) => run(query, values)));
        if (singles.length > 0) expect(Math.max(...one.map((r) => r.results)), `${query.where} returns data for one service`).toBeGreaterThan(0);
      }
    });
  });
});
