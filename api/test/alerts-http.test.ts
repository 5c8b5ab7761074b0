import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { runMaintenance } from '@sextant/storage';
import { findPeer } from '@sextant/testkit/process';
import { ALERT_EVAL_INTERVAL_MS, evaluateAlerts, listRules, prometheusRuleFile } from '../src/index.ts';
import { createEngine } from '../src/promql/engine.ts';
import { createSqlSeriesSource } from '../src/promql/sql-series-source.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const PROMTOOL = findPeer('promtool', ['/usr/bin/promtool']);

describe('alert rules, alerts and silences over HTTP', () => {
  let t: TestApi;
  let serverId: string;
  const as = (role: 'admin' | 'operator' | 'viewer') => t.users[role].accessToken;
  const evaluate = () =>
    evaluateAlerts({ pool: t.storage.pool, promql: createEngine({ source: createSqlSeriesSource({ pool: t.storage.pool }) }), log: createLogger({ level: 'silent' }) });

  beforeAll(async () => {
    t = await startTestApi();
    // Today's snapshot partitions (plain PostgreSQL).
    await runMaintenance({ pool: t.storage.pool, caps: t.caps, retention: { samplesMs: 86_400_000, snapshotsMs: 86_400_000, rollupsMs: 86_400_000 }, log: createLogger({ level: 'silent' }) });
    await t.storage.pool.query(`UPDATE alert_rules SET enabled = false WHERE builtin = 'server_down'`);
    const created = await t.request('/api/servers', { method: 'POST', token: as('operator'), body: { name: 'web-1', address: 'web-1.example.com:9100', labels: { env: 'prod' } } });
    serverId = created.body.id as string;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('creates, reads, changes and deletes a rule; viewers only read', async () => {
    const body = {
      name: 'HighMemory', metric: 'memory_usage', operator: '>', threshold: 90, clearThreshold: 85, for: '5m', severity: 'critical',
      labelSelector: { env: 'prod' }, labels: { team: 'ops' }, annotations: { summary: '{{ $labels.server }} memory at {{ $value }}%' },
    };
    expect((await t.request('/api/alert-rules', { method: 'POST', token: as('viewer'), body })).status).toBe(403);
    const created = await t.request('/api/alert-rules', { method: 'POST', token: as('operator'), body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, for: '5m', enabled: true, serverId: null, expr: null, builtin: null });
    const id = created.body.id as string;
    expect((await t.request(`/api/alert-rules/${id}`, { token: as('viewer') })).body.name).toBe('HighMemory');
    const patched = await t.request(`/api/alert-rules/${id}`, { method: 'PATCH', token: as('operator'), body: { threshold: 95, for: '1m30s' } });
    expect(patched.body).toMatchObject({ threshold: 95, clearThreshold: 85, for: '1m30s' });
    const list = await t.request('/api/alert-rules', { token: as('viewer') });
    expect((list.body.items as { name: string }[]).map((r) => r.name)).toEqual(['ServerDown', 'HighMemory']);
    expect(list.body.total).toBe(2);
    expect((await t.request(`/api/alert-rules/${id}`, { method: 'DELETE', token: as('operator') })).status).toBe(204);
    expect((await t.request(`/api/alert-rules/${id}`, { token: as('viewer') })).status).toBe(404);
  });

  it('refuses bad rules with a message, and the built-in rule cannot be deleted', async () => {
    const base = { name: 'x', operator: '>', threshold: 1, severity: 'info' };
    const cases: [unknown, RegExp][] = [
      [{ ...base }, /metric or a PromQL expr/],
      [{ ...base, metric: 'nope' }, /metric/],
      [{ ...base, expr: 'rate(x[5m' }, /PromQL/],
      [{ ...base, metric: 'cpu_usage', clearThreshold: 2 }, /clearThreshold must be <= threshold/],
      [{ ...base, metric: 'cpu_usage', for: '5 minutes' }, /duration/],
      [{ ...base, metric: 'cpu_usage', serverId: '00000000-0000-4000-8000-000000000000' }, /serverId/],
    ];
    for (const [body, message] of cases) {
      const res = await t.request('/api/alert-rules', { method: 'POST', token: as('operator'), body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toMatch(message);
    }
    const builtin = (await t.request('/api/alert-rules', { token: as('viewer') })).body.items[0] as { id: string; builtin: string };
    expect(builtin.builtin).toBe('server_down');
    const refused = await t.request(`/api/alert-rules/${builtin.id}`, { method: 'DELETE', token: as('admin') });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('ALERT_RULE_BUILTIN');
  });

  it('lists alerts with filters, acknowledges a firing one (who, when), and shows them on /api/v1/alerts and /api/v1/rules', async () => {
    const rule = await t.request('/api/alert-rules', {
      method: 'POST', token: as('operator'),
      body: { name: 'HotCpu', metric: 'cpu_usage', operator: '>=', threshold: 80, severity: 'warning', serverId },
    });
    await t.storage.pool.query(`INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, now() - interval '10 seconds', 88)`, [serverId]);
    await evaluate();
    const firing = await t.request(`/api/alerts?status=firing&severity=warning&serverId=${serverId}`, { token: as('viewer') });
    expect(firing.body.total).toBe(1);
    const alert = firing.body.items[0];
    expect(alert).toMatchObject({ status: 'firing', ruleId: rule.body.id, serverId, value: 88, source: 'rule', acknowledgedBy: null, silenced: false });
    expect((await t.request('/api/alerts?status=resolved', { token: as('viewer') })).body).toEqual({ items: [], total: 0 });
    expect((await t.request('/api/alerts?status=bogus', { token: as('viewer') })).status).toBe(400);

    expect((await t.request(`/api/alerts/${alert.id}/ack`, { method: 'POST', token: as('viewer') })).status).toBe(403);
    const acked = await t.request(`/api/alerts/${alert.id}/ack`, { method: 'POST', token: as('operator') });
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('operator');
    expect(Date.now() - Date.parse(acked.body.acknowledgedAt as string)).toBeLessThan(60_000);
    expect((await t.request('/api/alerts/00000000-0000-4000-8000-000000000000/ack', { method: 'POST', token: as('operator') })).status).toBe(404);

    const prom = await t.request('/api/v1/alerts', { token: as('viewer') });
    expect(prom.body.data.alerts).toMatchObject([{ state: 'firing', value: '88', labels: { alertname: 'HotCpu' } }]);
    const rules = await t.request('/api/v1/rules', { token: as('viewer') });
    const hot = (rules.body.data.groups[0].rules as { name: string }[]).find((r) => r.name === 'HotCpu');
    expect(hot).toMatchObject({ type: 'alerting', state: 'firing', health: 'ok', duration: 0 });

    await t.storage.pool.query('INSERT INTO metrics_snapshots (server_id, "timestamp", cpu_usage) VALUES ($1, now(), 10)', [serverId]);
    await evaluate();
    const resolved = await t.request(`/api/alerts?status=resolved`, { token: as('viewer') });
    expect(resolved.body.items[0]).toMatchObject({ id: alert.id, status: 'resolved' });
    const late = await t.request(`/api/alerts/${alert.id}/ack`, { method: 'POST', token: as('operator') });
    expect(late.status).toBe(409);
  });

  it('creates, lists and expires silences', async () => {
    const bad = await t.request('/api/silences', { method: 'POST', token: as('operator'), body: { matchers: [], endsAt: new Date(Date.now() + 60_000).toISOString() } });
    expect(bad.status).toBe(400);
    const created = await t.request('/api/silences', {
      method: 'POST', token: as('operator'),
      body: { matchers: [{ name: 'server', value: 'web-.*', isRegex: true }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'maintenance' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'active', createdBy: 'operator', matchers: [{ name: 'server', value: 'web-.*', isRegex: true, isEqual: true }] });
    expect((await t.request('/api/silences?state=active', { token: as('viewer') })).body.total).toBe(1);
    expect((await t.request(`/api/silences/${created.body.id}`, { method: 'DELETE', token: as('operator') })).status).toBe(204);
    expect((await t.request(`/api/silences/${created.body.id}`, { token: as('viewer') })).body.state).toBe('expired');
  });

  it.skipIf(PROMTOOL === undefined)('exports the rules as a Prometheus rule file that promtool accepts', async () => {
    await t.request('/api/alert-rules', {
      method: 'POST', token: as('operator'),
      body: { name: 'Load per core', expr: 'node_load1 / on (instance) count by (instance) (node_cpu_seconds_total{mode="idle"})', operator: '>', threshold: 2, for: '10m', severity: 'warning', annotations: { description: 'load {{ $value }} on {{ $labels.instance }}' } },
    });
    await t.request('/api/alert-rules', { method: 'POST', token: as('operator'), body: { name: 'DiskAlmostFull', metric: 'disk_usage', operator: '>', threshold: 90, severity: 'critical', labelSelector: { env: 'prod' } } });
    await t.storage.pool.query(`UPDATE alert_rules SET enabled = true WHERE builtin = 'server_down'`);
    const rules = await listRules(t.storage.pool);
    const text = prometheusRuleFile(rules, new Map([[serverId, 'web-1.example.com:9100']]), ALERT_EVAL_INTERVAL_MS);
    const dir = await mkdtemp(path.join(tmpdir(), 'sextant-rules-'));
    try {
      await writeFile(path.join(dir, 'sextant.rules.yml'), text);
      const { stdout } = await promisify(execFile)(PROMTOOL!, ['check', 'rules', path.join(dir, 'sextant.rules.yml')]);
      const enabled = rules.filter((r) => r.enabled).length;
      expect(stdout).toContain(`SUCCESS: ${enabled} rules found`);
      expect(text).toContain('alert: "Load_per_core"');
      expect(text).toContain('instance=\\"web-1.example.com:9100\\"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
