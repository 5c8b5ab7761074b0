// The Alertmanager webhook under hostile bodies: random JSON, webhook payloads with any field replaced
// by any value, truncated JSON. Nothing may earn a 5xx (Alertmanager would retry a bad body forever)
// or crash the bridge; refusals are 4xx with a message.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@sextant/config';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { recordFigure } from '../../bench/reliability/record-figure.ts';
import { bridgeConfigSchema, startBridge, WEBHOOK_PATH } from '../src/index.ts';
import type { RunningBridge } from '../src/index.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };
const TOKEN = 'webhook-fuzz-token-0123456789';
const RUNS = Math.max(50, Math.round(Number(process.env.SEXTANT_FUZZ_RUNS ?? 2_000) / 5));

const valid = () => ({
  version: '4', groupKey: '{}:{alertname="DiskFull"}', truncatedAlerts: 0, status: 'firing', receiver: 'sextant',
  groupLabels: { alertname: 'DiskFull' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093',
  alerts: [{
    status: 'firing', labels: { alertname: 'DiskFull', instance: 'web-1:9100', severity: 'critical' }, annotations: { summary: 'disk full' },
    startsAt: '2026-01-02T03:04:05.123Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'c5e1c3b8a8b2f0d1',
  }],
});
const TOP = Object.keys(valid());
const ALERT = Object.keys(valid().alerts[0]!);
// A valid payload with a few fields (top level or of the alert) replaced by anything at all.
const mutated = fc
  .array(fc.tuple(fc.boolean(), fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 4 })
  .map((edits) => {
    const p = valid() as Record<string, unknown>;
    const alert = valid().alerts[0] as Record<string, unknown>;
    p.alerts = [alert];
    // Alert fields first, so replacing `alerts` itself is not undone by a later alert-field edit.
    for (const [inAlert, at, value] of [...edits].sort(([a], [b]) => Number(b) - Number(a))) {
      if (inAlert) alert[ALERT[at % ALERT.length]!] = value;
      else p[TOP[at % TOP.length]!] = value;
    }
    return JSON.stringify(p);
  });
const timestamps = fc.record({
  startsAt: fc.oneof(fc.string({ maxLength: 30 }), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '-000001-01-01T00:00:00Z', '2026-02-30T00:00:00Z')),
  endsAt: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0001-01-01T00:00:00Z', '+275760-09-13T00:00:00.001Z')),
});

describe('Alertmanager webhook under hostile bodies', () => {
  let database: TestDatabase;
  let storage: Storage;
  let bridge: RunningBridge;
  let tried = 0;
  const statuses = new Map<number, number>();

  const refusedCleanly = async (body: string) => {
    tried++;
    const res = await fetch(`${bridge.url}${WEBHOOK_PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect(res.status, `${body.slice(0, 300)} → ${text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) expect(text.length).toBeGreaterThan(3);
  };

  beforeAll(async () => {
    database = await testBackends().find((b) => !b.timescaledb)!.create();
    storage = await openStorage({ url: database.url, log });
    await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await storage.pool.query(`INSERT INTO servers (name, address) VALUES ('web-1', 'web-1:9100')`);
    bridge = await startBridge({ config: parseConfig(bridgeConfigSchema, { BRIDGE_PORT: '0', BRIDGE_WEBHOOK_TOKEN: TOKEN }), storage, log });
  });

  afterAll(async () => {
    recordFigure({ suite: 'fuzz', name: 'Alertmanager webhook bodies', value: tried, unit: 'cases' });
    recordFigure({ suite: 'fuzz', name: 'webhook answers by status', value: [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ') });
    await bridge?.close();
    await storage?.close();
    await database?.drop();
  });

  it('random JSON values and truncated JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (value, cut) => {
        const text = JSON.stringify(value) ?? 'null';
        await refusedCleanly(cut ? text.slice(0, Math.max(1, text.length - 1)) : text);
      }),
      { numRuns: RUNS },
    );
  });

  it('webhook payloads with fields replaced by anything', async () => {
    await fc.assert(fc.asyncProperty(mutated, refusedCleanly), { numRuns: RUNS });
  });

  it('odd and out-of-range times', async () => {
    await fc.assert(
      fc.asyncProperty(timestamps, async (t) => {
        const p = valid();
        Object.assign(p.alerts[0]!, t);
        await refusedCleanly(JSON.stringify(p));
      }),
      { numRuns: RUNS },
    );
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});
