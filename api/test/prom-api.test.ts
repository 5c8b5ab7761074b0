// The Prometheus-compatible read API, call by call as Grafana's Prometheus data source makes them
// (compat §4.3), over series stored the way the ingester's writer stores them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const T0S = T0 / 1000;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('Prometheus HTTP API', () => {
  let t: TestApi;
  let viewer: string;

  beforeAll(async () => {
    t = await startTestApi();
    viewer = t.users.viewer.accessToken;
    const pool = t.storage.pool;
    if (!t.caps.timescaledb) await pool.query('CREATE TABLE IF NOT EXISTS samples_default PARTITION OF samples DEFAULT');
    const series: [string, Record<string, string>, (i: number) => number][] = [
      ['node_cpu_seconds_total', { job: 'node', instance: 'a:9100', cpu: '0', mode: 'idle' }, (i) => i * 15],
      ['node_cpu_seconds_total', { job: 'node', instance: 'b:9100', cpu: '0', mode: 'idle' }, (i) => i * 30],
      ['up', { job: 'node', instance: 'a:9100' }, () => 1],
      ['up', { job: 'node', instance: 'b:9100', 'http.scheme': 'https' }, () => 0],
    ];
    for (const [name, labels, value] of series) {
      const { rows } = await pool.query<{ id: string }>('INSERT INTO series (metric_name, labels) VALUES ($1, $2) RETURNING id', [name, JSON.stringify(labels)]);
      // One sample every 15 s for one hour.
      const times = Array.from({ length: 241 }, (_, i) => new Date(T0 + i * 15_000).toISOString());
      await pool.query('INSERT INTO samples SELECT $1, t, v FROM unnest($2::timestamptz[], $3::float8[]) AS x(t, v)', [
        rows[0]!.id, times, times.map((_, i) => value(i)),
      ]);
    }
    await pool.query(`INSERT INTO metric_metadata (metric_family, type, help) VALUES ('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.')`);
  });
  afterAll(async () => t?.close());

  const get = (path: string, token = viewer) => t.request(path, { token });
  const post = (path: string, params: Record<string, string | string[]>, token = viewer) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return t.request(path, { method: 'POST', token, headers: form, body: body.toString() });
  };

  it('answers Grafana\'s "Save & test" (1+1 at time=4) by form POST and by GET', async () => {
    const expected = { status: 'success', data: { resultType: 'scalar', result: [4, '2'] } };
    const viaPost = await post('/api/v1/query', { query: '1+1', time: '4' });
    expect(viaPost.status).toBe(200);
    expect(viaPost.headers.get('content-type')).toMatch(/^application\/json/);
    expect(viaPost.body).toEqual(expected);
    expect((await get('/api/v1/query?query=1%2B1&time=4')).body).toEqual(expected);
  });

  it('serves build info without `features`, so Grafana takes it for Prometheus', async () => {
    const res = await get('/api/v1/status/buildinfo');
    expect(res.status).toBe(200);
    expect(res.body.data.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(res.body.data.features).toBeUndefined();
  });

  it('runs a dashboard range query with float-second start/end/step: matrix, string values, sorted series', async () => {
    const res = await post('/api/v1/query_range', {
      query: 'sum by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
      start: String(T0S + 600), end: String(T0S + 1200), step: '300',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.resultType).toBe('matrix');
    const result = res.body.data.result as { metric: Record<string, string>; values: [number, string][] }[];
    expect(result.map((s) => s.metric)).toEqual([{ instance: 'a:9100' }, { instance: 'b:9100' }]);
    // The counters grow by 1/s and 2/s; values are strings, times float seconds on the step grid.
    for (const [i, s] of result.entries()) {
      expect(s.values.map(([ts]) => ts)).toEqual([T0S + 600, T0S + 900, T0S + 1200]);
      for (const [, v] of s.values) {
        expect(typeof v).toBe('string');
        expect(Number(v)).toBeCloseTo(i + 1, 9);
      }
    }
  });

  it('answers an instant query with a vector stamped at the evaluation time (RFC3339 accepted)', async () => {
    const res = await get(`/api/v1/query?query=${encodeURIComponent('up == 1')}&time=${encodeURIComponent('2026-01-01T00:10:00.5Z')}`);
    expect(res.body).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'node', instance: 'a:9100' }, value: [T0S + 600.5, '1'] }] },
    });
  });

  it('refuses bad input with the Prometheus envelope and status', async () => {
    const cases: [Record<string, string>, number, string, RegExp][] = [
      [{ query: 'up', start: String(T0S), end: String(T0S + 11_001), step: '1' }, 400, 'bad_data', /11,000 points/],
      [{ query: 'up', start: String(T0S + 10), end: String(T0S), step: '1' }, 400, 'bad_data', /end timestamp must not be before start time/],
      [{ query: 'up', start: String(T0S), end: String(T0S + 10), step: '0' }, 400, 'bad_data', /zero or negative/],
      [{ query: 'up', start: 'yesterday', end: String(T0S), step: '1' }, 400, 'bad_data', /invalid parameter "start"/],
      [{ query: 'sum(', start: String(T0S), end: String(T0S + 10), step: '1m' }, 400, 'bad_data', /parse error/],
      [{ query: 'holt_winters(up[5m], 0.5, 0.5)', start: String(T0S), end: String(T0S + 10), step: '1' }, 400, 'bad_data', /holt_winters/],
      [{ query: 'up[5m]', start: String(T0S), end: String(T0S + 10), step: '1' }, 400, 'bad_data', /range vector/],
      [{ query: 'node_cpu_seconds_total + on(job) up', start: String(T0S + 60), end: String(T0S + 120), step: '60' }, 422, 'execution', /many-to-many|multiple matches/],
    ];
    for (const [params, status, errorType, message] of cases) {
      const res = await post('/api/v1/query_range', params);
      expect(res.status, JSON.stringify(params)).toBe(status);
      expect(res.body).toMatchObject({ status: 'error', errorType });
      expect(res.body.error).toMatch(message);
    }
  });

  it('lists series for match[] (required) within start/end, label names and label values', async () => {
    expect((await get('/api/v1/series')).body).toMatchObject({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    const series = await post('/api/v1/series', { 'match[]': ['up{instance="a:9100"}', 'up{job="node"}'], start: String(T0S), end: String(T0S + 3600) });
    // Sorted as Prometheus sorts label sets: pair by pair in name order ("http.scheme" < "instance").
    expect(series.body.data).toEqual([
      { __name__: 'up', 'http.scheme': 'https', instance: 'b:9100', job: 'node' },
      { __name__: 'up', instance: 'a:9100', job: 'node' },
    ]);
    // Outside the stored hour nothing matches.
    const later = await get(`/api/v1/series?match[]=up&start=${T0S + 7200}&end=${T0S + 9000}`);
    expect(later.body.data).toEqual([]);
    const all = await get(`/api/v1/labels?start=${T0S}&end=${T0S + 3600}&limit=40000`);
    expect(all.body.data).toEqual(['__name__', 'cpu', 'http.scheme', 'instance', 'job', 'mode']);
    const matched = await post('/api/v1/labels', { 'match[]': 'up', start: String(T0S), end: String(T0S + 3600) });
    expect(matched.body.data).toEqual(['__name__', 'http.scheme', 'instance', 'job']);
    expect((await get(`/api/v1/label/__name__/values?start=${T0S}&end=${T0S + 3600}`)).body.data).toEqual(['node_cpu_seconds_total', 'up']);
    const instances = await get(`/api/v1/label/instance/values?match[]=${encodeURIComponent('up{job="node"} ')}&match[]=${encodeURIComponent('{__name__!=""}')}`);
    expect(instances.body.data).toEqual(['a:9100', 'b:9100']);
    expect((await get('/api/v1/label/U__http_2e_scheme/values')).body.data).toEqual(['https']);
    expect((await get('/api/v1/label/not-a-name/values')).status).toBe(400);
    expect((await get('/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D')).body).toMatchObject({ errorType: 'bad_data' });
  });

  it('serves metadata, no exemplars, the rule groups and the open alerts', async () => {
    expect((await get('/api/v1/metadata')).body.data).toEqual({
      node_cpu_seconds_total: [{ type: 'counter', help: 'Seconds the CPUs spent in each mode.', unit: '' }],
    });
    // Grafana's init probe sends start/end in milliseconds.
    expect((await get(`/api/v1/query_exemplars?query=test&start=${T0}&end=${T0 + 1000}`)).body).toEqual({ status: 'success', data: [] });
    // Grafana's data source init asks for rules: an array of groups, each with its rules.
    const rules = await get('/api/v1/rules');
    expect(rules.body.status).toBe('success');
    expect(Array.isArray(rules.body.data.groups)).toBe(true);
    for (const g of rules.body.data.groups as { name: string; rules: { type: string; name: string }[] }[]) {
      expect(typeof g.name).toBe('string');
      for (const r of g.rules) expect(r.type).toBe('alerting');
    }
    expect((await get('/api/v1/alerts')).body).toEqual({ status: 'success', data: { alerts: [] } });
  });

  it('needs a login or an API token with the read scope, for POST queries too', async () => {
    expect((await t.request('/api/v1/query?query=1')).status).toBe(401);
    const reader = await t.apiToken('viewer', ['read']);
    expect((await post('/api/v1/query', { query: 'vector(1)', time: '10' }, reader)).body).toEqual({
      status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [10, '1'] }] },
    });
    const writer = await t.apiToken('admin', ['remote_write']);
    expect((await post('/api/v1/query', { query: '1', time: '10' }, writer)).status).toBe(403);
  });

  it("accepts basic auth with an API token as the password (Grafana's and Prometheus's basic_auth), nothing else", async () => {
    const reader = await t.apiToken('viewer', ['read']);
    const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    const ok = await t.request('/api/v1/query?query=vector(2)&time=10', { headers: basic('grafana', reader) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'success', data: { result: [{ value: [10, '2'] }] } });
    expect((await t.request('/api/v1/query?query=1', { headers: basic('admin', t.users.admin.password) })).status).toBe(401);
    expect((await t.request('/api/v1/query?query=1', { headers: basic('grafana', `${reader}x`) })).status).toBe(401);
  });
});
