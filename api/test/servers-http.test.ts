import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { runMaintenance } from '@sextant/storage';
import { seriesSchema } from '../src/metrics/series-schema.ts';
import { serverListSchema, serverSchema } from '../src/servers/server-schema.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const MISSING = '00000000-0000-4000-8000-000000000000';
const HOUR = 3_600_000;

// Over HTTP on plain PostgreSQL; the TimescaleDB paths of the same queries are tested directly in
// servers-store.test.ts and metrics-series.test.ts (the app's alert engine keeps a connection, which
// the one-session PGlite build cannot share).
describe('servers, metrics and service discovery over HTTP', () => {
  let t: TestApi;
  let operator: string;
  let viewer: string;
  let web1: { id: string; name: string };

  beforeAll(async () => {
    t = await startTestApi();
    operator = t.users.operator.accessToken;
    viewer = t.users.viewer.accessToken;
    const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
    await runMaintenance({ pool: t.storage.pool, caps: t.caps, retention, log: createLogger({ level: 'silent' }) });
    const created = await t.request('/api/servers', {
      method: 'POST',
      token: operator,
      body: { name: 'web-1', hostname: 'web-1.example.com', address: '127.0.0.1:9464', ipAddress: '127.0.0.1', labels: { env: 'prod' } },
    });
    expect(created.status).toBe(201);
    web1 = created.body as { id: string; name: string };
    expect(created.headers.get('location')).toBe(`/api/servers/${web1.id}`);
    // Six hours of 1-minute snapshots up to now, cpu = the minute of the hour.
    await t.storage.pool.query(
      `INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage, memory_usage, disk_usage, load1, net_rx_bps, net_tx_bps)
       SELECT $1, ts, extract(minute FROM ts), 50, 60, 1.5, 1000, 2000
       FROM generate_series(0, 359) AS i, LATERAL (SELECT date_trunc('minute', now()) - make_interval(mins => i) AS ts) t`,
      [web1.id],
    );
  });
  afterAll(async () => t?.close());

  it('creates, reads, lists, patches, replaces and deletes a server', async () => {
    const created = await t.request('/api/servers', { method: 'POST', token: operator, body: { name: 'db-1', address: '[::1]:9100', labels: { env: 'staging' } } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await t.request(`/api/servers/${id}`, { token: viewer })).body).toMatchObject({ name: 'db-1', address: '[::1]:9100', status: 'unknown', latest: null });

    const fleet = serverListSchema.parse((await t.request('/api/servers?sort=name', { token: viewer })).body);
    expect(fleet.total).toBe(2);
    expect(fleet.items.map((s) => s.name)).toEqual(['db-1', 'web-1']);
    const latest = fleet.items[1]!.latest!;
    expect(latest).toMatchObject({ cpuUsage: new Date(latest.timestamp).getUTCMinutes(), memoryUsage: 50, diskUsage: 60 });
    expect(Date.now() - Date.parse(latest.timestamp)).toBeLessThan(2 * 60_000);
    expect((await t.request('/api/servers?label=env%3Dstaging&status=unknown', { token: viewer })).body.items).toHaveLength(1);

    const patched = await t.request(`/api/servers/${id}`, { method: 'PATCH', token: operator, body: { hostname: 'db-1.internal' } });
    expect(patched.body).toMatchObject({ name: 'db-1', hostname: 'db-1.internal', address: '[::1]:9100' });
    const replaced = await t.request(`/api/servers/${id}`, { method: 'PUT', token: operator, body: { name: 'db-2' } });
    expect(replaced.body).toMatchObject({ name: 'db-2', hostname: null, address: null, labels: {} });

    expect((await t.request(`/api/servers/${id}`, { method: 'DELETE', token: operator })).status).toBe(204);
    expect((await t.request(`/api/servers/${id}`, { token: viewer })).status).toBe(404);
  });

  it('answers problems with stable codes for unknown, taken and invalid input', async () => {
    const notFound = await t.request(`/api/servers/${MISSING}`, { token: viewer });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(notFound.body.code).toBe('SERVER_NOT_FOUND');
    for (const path of [`/api/servers/${MISSING}/metrics`, `/api/servers/${MISSING}/metrics/latest`]) {
      expect((await t.request(path, { token: viewer })).body.code, path).toBe('SERVER_NOT_FOUND');
    }
    expect((await t.request(`/api/servers/${MISSING}`, { method: 'PATCH', token: operator, body: { name: 'x' } })).body.code).toBe('SERVER_NOT_FOUND');
    expect((await t.request(`/api/servers/${MISSING}`, { method: 'DELETE', token: operator })).body.code).toBe('SERVER_NOT_FOUND');

    const name = await t.request('/api/servers', { method: 'POST', token: operator, body: { name: 'web-1' } });
    expect([name.status, name.body.code]).toEqual([409, 'SERVER_NAME_TAKEN']);
    const address = await t.request('/api/servers', { method: 'POST', token: operator, body: { name: 'web-9', address: '127.0.0.1:9464' } });
    expect([address.status, address.body.code]).toEqual([409, 'SERVER_ADDRESS_TAKEN']);

    const invalid: [string, unknown][] = [
      ['address without a port', { name: 'x', address: 'web-1' }],
      ['port out of range', { name: 'x', address: 'web-1:70000' }],
      ['bad IP', { name: 'x', ipAddress: '300.1.1.1' }],
      ['reserved label name', { name: 'x', labels: { __name__: 'x' } }],
      ['label name with a dash', { name: 'x', labels: { 'a-b': 'x' } }],
      ['empty name', { name: '' }],
      ['unknown field', { name: 'x', colour: 'red' }],
    ];
    for (const [what, body] of invalid) {
      const res = await t.request('/api/servers', { method: 'POST', token: operator, body });
      expect([res.status, res.body.code], what).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await t.request(`/api/servers/not-a-uuid`, { token: viewer })).status).toBe(400);
    expect((await t.request(`/api/servers/${web1.id}`, { method: 'PATCH', token: operator, body: {} })).status).toBe(400);
    expect((await t.request('/api/servers?sort=colour', { token: viewer })).status).toBe(400);
  });

  it('serves a bucketed series for ISO, epoch and relative ranges', async () => {
    const now = Date.now();
    const iso = await t.request(`/api/servers/${web1.id}/metrics?from=${new Date(now - 2 * HOUR).toISOString()}&to=${new Date(now).toISOString()}&step=10m`, { token: viewer });
    expect(iso.status).toBe(200);
    expect(iso.body).toMatchObject({ serverId: web1.id, stepSeconds: 600, source: 'raw' });
    // A whole 10-minute bucket from minute m (a multiple of 10) averages m … m+9.
    const full = seriesSchema.parse(iso.body).points.filter((p) => p.samples === 10);
    expect(full.length).toBeGreaterThanOrEqual(10);
    for (const p of full) expect([4.5, 14.5, 24.5, 34.5, 44.5, 54.5]).toContain(p.cpuUsage);

    const epoch = await t.request(`/api/servers/${web1.id}/metrics?from=${Math.floor((now - 2 * HOUR) / 1000)}&to=${Math.floor(now / 1000)}&step=600`, { token: viewer });
    expect(epoch.body.points).toEqual(iso.body.points);

    const relative = await t.request(`/api/servers/${web1.id}/metrics?from=now-6h&maxPoints=4`, { token: viewer });
    const series = seriesSchema.parse(relative.body);
    expect(series.points.length).toBeLessThanOrEqual(4);
    expect(series).toMatchObject({ stepSeconds: 7200, source: 'rollup', maxPoints: 4 });
    const total = series.points.reduce((sum, p) => sum + p.samples, 0);
    expect(total).toBe(360);
  });

  it('refuses bad ranges, steps and budgets', async () => {
    const bad = ['from=now&to=now-1h', 'from=yesterday', 'step=0', 'step=5x', 'step=1.5', 'maxPoints=1', 'maxPoints=20000', 'from=now-6y'];
    for (const query of bad) {
      const res = await t.request(`/api/servers/${web1.id}/metrics?${query}`, { token: viewer });
      expect([res.status, res.body.code], query).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('gives the newest snapshot', async () => {
    const latest = await t.request(`/api/servers/${web1.id}/metrics/latest`, { token: viewer });
    expect(latest.body).toMatchObject({ serverId: web1.id, status: 'unknown', latest: { load1: 1.5, netRxBps: 1000, netTxBps: 2000 } });
    const snapshot = serverSchema.shape.latest.parse((latest.body as { latest: unknown }).latest)!;
    expect(snapshot.cpuUsage).toBe(new Date(snapshot.timestamp).getUTCMinutes());
  });

  it('offers the fleet to Prometheus service discovery with a read API token', async () => {
    const token = await t.apiToken('viewer', ['read']);
    const sd = await t.request('/api/sd/targets', { token });
    expect(sd.status).toBe(200);
    expect(sd.body).toEqual([
      {
        targets: ['127.0.0.1:9464'],
        labels: expect.objectContaining({ env: 'prod', __meta_sextant_server_name: 'web-1', __meta_sextant_server_id: web1.id, __meta_sextant_label_env: 'prod' }),
      },
    ]);
    expect((await t.request('/api/sd/targets')).status).toBe(401);
    expect((await t.request('/api/sd/targets', { token: await t.apiToken('viewer', ['mqtt']) })).body.code).toBe('INSUFFICIENT_SCOPE');
  });
});
