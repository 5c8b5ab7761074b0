// Real Prometheus 2.42 remote-writing into the receiver: token auth as Prometheus sends it, the
// metadata-only requests it sends on their own, and stale markers (bit for bit) when a target dies.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { waitFor } from '@sextant/testkit/process';
import { createIngesterServer, createWriter } from '../src/index.ts';
import type { IngesterServer } from '../src/index.ts';
import { PROMETHEUS, startPrometheus } from './prometheus-peer.ts';
import type { RunningPrometheus } from './prometheus-peer.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const [backend] = testBackends();
const EXPOSITION = `# HELP rwtest_temperature_celsius A test gauge.
# TYPE rwtest_temperature_celsius gauge
rwtest_temperature_celsius{room="a"} 21.5
# HELP rwtest_events_total A test counter.
# TYPE rwtest_events_total counter
rwtest_events_total 42
`;

describe.skipIf(PROMETHEUS === undefined || backend === undefined)('Prometheus 2.42 remote-writing into the receiver', () => {
  let database: TestDatabase;
  let storage: Storage;
  let server: IngesterServer;
  let target: Server;
  let prometheus: RunningPrometheus | undefined;

  const rows = async (name: string) =>
    (
      await storage.pool.query<{ labels: Record<string, string>; bits: string }>(
        `SELECT labels, encode(float8send(value), 'hex') AS bits FROM samples JOIN series ON series.id = series_id WHERE metric_name = $1 ORDER BY "time"`,
        [name],
      )
    ).rows;

  beforeAll(async () => {
    database = await backend!.create();
    storage = await openStorage({ url: database.url, log, ...backend!.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const user = await storage.pool.query<{ id: string }>(`INSERT INTO users (username, password_hash, role) VALUES ('prometheus', 'x', 'operator') RETURNING id`);
    const { token, hash } = generateApiToken();
    await storage.pool.query(`INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'prometheus', $2, '{remote_write}')`, [user.rows[0]!.id, hash]);
    const writer = createWriter({ pool: storage.pool, log });
    server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log });
    const url = await server.listen(0);
    target = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(EXPOSITION);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address() as AddressInfo;
    prometheus = await startPrometheus({ jobs: [{ name: 'rwtest', targets: [`127.0.0.1:${address.port}`] }], remoteWriteUrl: `${url}/api/v1/write`, interval: '1s', bearerToken: token });
  });

  afterAll(async () => {
    await prometheus?.close();
    if (target?.listening) await new Promise((resolve) => target.close(resolve));
    await server?.close();
    await storage?.close();
    await database?.drop();
  });

  it('stores what Prometheus scrapes, with the token it sends, and the metadata it sends on its own', async () => {
    await waitFor('three scrapes stored', async () => ((await rows('rwtest_temperature_celsius')).length >= 3 ? true : undefined), { attempts: 300, timeoutMs: 30_000, intervalMs: 100 });
    const stored = await rows('rwtest_temperature_celsius');
    expect(stored[0]!.labels).toMatchObject({ room: 'a', job: 'rwtest' });
    expect(new Set(stored.map((r) => r.bits))).toEqual(new Set(['4035800000000000'])); // 21.5
    expect((await rows('up')).length).toBeGreaterThanOrEqual(3);
    const metadata = await waitFor(
      'metadata stored',
      async () => {
        const result = await storage.pool.query(`SELECT metric_family, type, help FROM metric_metadata WHERE metric_family LIKE 'rwtest_%' ORDER BY 1`);
        return result.rowCount === 2 ? result.rows : undefined;
      },
      { attempts: 300, timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(metadata).toEqual([
      { metric_family: 'rwtest_events_total', type: 'counter', help: 'A test counter.' },
      { metric_family: 'rwtest_temperature_celsius', type: 'gauge', help: 'A test gauge.' },
    ]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/sextant_remote_write_requests_total\{version="v1",code="204"\} [1-9]/);
    expect(metrics).not.toMatch(/sextant_remote_write_requests_total\{[^}]*code="[45]\d\d"\}/);
  });

  it('keeps the stale markers Prometheus writes when the target goes away, bit for bit', async () => {
    await new Promise((resolve) => target.close(resolve));
    target.closeAllConnections();
    const marked = await waitFor(
      'stale marker stored',
      async () => {
        const stored = await rows('rwtest_temperature_celsius');
        return stored.some((r) => r.bits === '7ff0000000000002') ? stored : undefined;
      },
      { attempts: 300, timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(marked.at(-1)!.bits).toBe('7ff0000000000002');
    await waitFor('up = 0 stored', async () => ((await rows('up')).some((r) => r.bits === '0000000000000000') ? true : undefined), { attempts: 300, timeoutMs: 30_000, intervalMs: 100 });
  });
});
