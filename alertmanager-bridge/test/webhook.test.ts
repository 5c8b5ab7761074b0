import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { bridgeConfigSchema, startBridge, WEBHOOK_PATH } from '../src/index.ts';
import type { RunningBridge } from '../src/index.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const TOKEN = 'webhook-token-0123456789';

const payload = (status: 'firing' | 'resolved', extra: Record<string, unknown> = {}) => ({
  version: '4', groupKey: '{}:{alertname="DiskFull"}', truncatedAlerts: 0, status, receiver: 'sextant',
  groupLabels: { alertname: 'DiskFull' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093',
  alerts: [{
    status, labels: { alertname: 'DiskFull', instance: 'web-1:9100', severity: 'critical' }, annotations: { summary: 'disk full' },
    startsAt: '2026-01-02T03:04:05.123Z', endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-01-02T03:09:00Z',
    generatorURL: 'http://prom/graph', fingerprint: 'c5e1c3b8a8b2f0d1', ...extra,
  }],
});

describe('Alertmanager webhook', () => {
  let database: TestDatabase;
  let storage: Storage;
  let bridge: RunningBridge;
  let serverId: string;
  const post = (body: unknown, token: string | null = TOKEN) =>
    fetch(`${bridge.url}${WEBHOOK_PATH}`, {
      method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    });
  const rows = async () =>
    (await storage.pool.query<Record<string, unknown> & { timestamp: Date; resolved_at: Date }>('SELECT * FROM alerts WHERE source = $1 ORDER BY created_at', ['alertmanager'])).rows;

  beforeAll(async () => {
    database = await testBackends().find((b) => !b.timescaledb)!.create();
    storage = await openStorage({ url: database.url, log });
    await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    serverId = (await storage.pool.query<{ id: string }>(`INSERT INTO servers (name, address) VALUES ('web-1', 'web-1:9100') RETURNING id`)).rows[0]!.id;
    bridge = await startBridge({ config: parseConfig(bridgeConfigSchema, { BRIDGE_PORT: '0', BRIDGE_WEBHOOK_TOKEN: TOKEN }), storage, log });
  });

  afterAll(async () => {
    await bridge?.close();
    await storage?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await storage.pool.query('DELETE FROM alerts');
  });

  it('stores a firing alert mapped to its server by instance, once however often it is delivered, and resolves it', async () => {
    for (let i = 0; i < 3; i++) expect((await post(payload('firing'))).status).toBe(200);
    let stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      status: 'firing', server_id: serverId, severity: 'critical', type: 'DiskFull', fingerprint: 'am:c5e1c3b8a8b2f0d1', annotations: { summary: 'disk full' },
    });
    expect(stored[0]!.timestamp.toISOString()).toBe('2026-01-02T03:04:05.123Z');
    expect((await post(payload('resolved'))).status).toBe(200);
    // A late re-delivery of the firing notification does not reopen the episode.
    expect((await post(payload('firing'))).status).toBe(200);
    stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'resolved' });
    expect(stored[0]!.resolved_at.toISOString()).toBe('2026-01-02T03:09:00.000Z');
  });

  it('skips the alerts the bridge itself sent, which Alertmanager routes back', async () => {
    expect((await post(payload('firing', { labels: { alertname: 'HighCpu', sextant_origin: 'sextant' } }))).status).toBe(200);
    expect(await rows()).toEqual([]);
  });

  it('answers 400 with a message for bad payloads and 401 without the token', async () => {
    const notJson = await post('{');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/not JSON/);
    const wrongVersion = await post({ ...payload('firing'), version: '3' });
    expect(wrongVersion.status).toBe(400);
    expect(((await wrongVersion.json()) as { error: string }).error).toMatch(/version/);
    const noAlerts = await post({ version: '4' });
    expect(((await noAlerts.json()) as { error: string }).error).toMatch(/alerts/);
    expect((await post(payload('firing'), null)).status).toBe(401);
    expect((await post(payload('firing'), 'wrong-token-0123456789')).status).toBe(401);
    expect(await rows()).toEqual([]);
  });

  it('answers 5xx only when storage fails, so Alertmanager retries', async () => {
    const broken = await openStorage({ url: database.url, log });
    const other = await startBridge({ config: parseConfig(bridgeConfigSchema, { BRIDGE_PORT: '0' }), storage: broken, log });
    try {
      await broken.pool.query(`ALTER TABLE alerts RENAME TO alerts_away`);
      const res = await fetch(`${other.url}${WEBHOOK_PATH}`, { method: 'POST', body: JSON.stringify(payload('firing')) });
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await broken.pool.query(`ALTER TABLE alerts_away RENAME TO alerts`);
      await other.close();
      await broken.close();
    }
  });

  it('serves /healthz and its metrics', async () => {
    expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
    await post(payload('firing'));
    const text = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(text).toMatch(/sextant_bridge_webhook_requests_total\{code="200"\} [1-9]/);
    expect(text).toMatch(/sextant_bridge_webhook_alerts_total\{status="firing"\} [1-9]/);
  });
});
