// The database goes away under a running receiver and comes back: 503 meanwhile (never 429), then
// the sender's retry is stored, once, without restarting anything.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { waitFor } from '@sextant/testkit/process';
import { createIngesterServer, createWriter } from '../src/index.ts';
import type { IngesterServer } from '../src/index.ts';
import { compress, post, v1Bytes, V1_HEADERS } from './remote-write-requests.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const backend = testBackends().find((b) => !b.timescaledb);

/** A loopback TCP proxy to PostgreSQL that can be cut (every connection dropped, the port closed) and restored. */
async function startCuttableProxy(target: URL): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { port, cut, restore: () => listen(port), close: cut };
}

describe.runIf(backend !== undefined)('remote write while PostgreSQL goes away and comes back', () => {
  let database: TestDatabase;
  let storage: Storage;
  let server: IngesterServer;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let url: string;

  beforeAll(async () => {
    database = await backend!.create();
    const direct = await openStorage({ url: database.url, log });
    const { caps } = await migrate({ pool: direct.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: direct.pool, caps, retention, log });
    await direct.close();
    const target = new URL(database.url);
    proxy = await startCuttableProxy(target);
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    storage = await openStorage({ url: viaProxy.toString(), log });
    const writer = createWriter({ pool: storage.pool, log });
    server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log, remoteWriteAuth: 'open' });
    url = await server.listen(0);
  });

  afterAll(async () => {
    await server?.close();
    await storage?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 while the database is unreachable and stores the retried request once after', async () => {
    const now = Date.now();
    const request = (i: number) => compress(v1Bytes([{ labels: { __name__: 'outage_metric', i: String(i) }, samples: [{ value: i, timestamp: now }] }]));
    expect((await post(url, request(1), V1_HEADERS)).status).toBe(204);
    await proxy.cut();
    const during = await post(url, request(2), V1_HEADERS);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    await proxy.restore();
    // What a sender does: retry the same request until it is accepted.
    const after = await waitFor('retried request accepted', async () => ((await post(url, request(2), V1_HEADERS)).status === 204 ? true : undefined), { attempts: 100, timeoutMs: 20_000, intervalMs: 100 });
    expect(after).toBe(true);
    expect((await post(url, request(2), V1_HEADERS)).status).toBe(204);
    const stored = await storage.pool.query<{ i: string; n: string }>(
      `SELECT labels->>'i' AS i, count(*) AS n FROM samples JOIN series ON series.id = series_id WHERE metric_name = 'outage_metric' GROUP BY 1 ORDER BY 1`,
    );
    expect(stored.rows).toEqual([{ i: '1', n: '1' }, { i: '2', n: '1' }]);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
