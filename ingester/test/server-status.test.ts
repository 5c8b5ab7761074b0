import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { waitFor } from '@sextant/testkit/process';
import type { RunningIngester } from '../src/start-ingester.ts';
import { nodeBody, openTestStorage, startFakeTarget, startTestIngester } from './scrape-fixture.ts';
import type { FakeTarget } from './scrape-fixture.ts';

const backend = testBackends().find((b) => !b.timescaledb)!;
const INTERVAL_MS = 1000;
// Two intervals, plus time for one commit on a busy machine.
const WITHIN_TWO_INTERVALS = { timeoutMs: 2 * INTERVAL_MS + 1500, intervalMs: 50, attempts: 1000 };

describe(`server health follows its target (${backend.name})`, () => {
  let database: TestDatabase;
  let storage: Storage;
  let ingester: RunningIngester | undefined;
  let target: FakeTarget;

  const server = async () =>
    (await storage.pool.query<{ status: string; last_seen_at: Date | null }>(`SELECT status, last_seen_at FROM servers WHERE name = 'web-1'`)).rows[0]!;

  beforeAll(async () => {
    database = await backend.create();
    storage = await openTestStorage(database.url, backend.poolLimits);
    target = await startFakeTarget(nodeBody('web-1.example'));
    // As the API adds it: a name and the exporter's address.
    await storage.pool.query(`INSERT INTO servers (name, address) VALUES ('web-1', $1)`, [target.address]);
    ingester = await startTestIngester(storage, { SCRAPE_INTERVAL: `${INTERVAL_MS}ms`, SCRAPE_TIMEOUT: '500ms' });
  });

  afterAll(async () => {
    await ingester?.close();
    await target?.stop();
    await storage?.close();
    await database?.drop();
  });

  it('is up while the target answers', async () => {
    const s = await waitFor('status up', async () => {
      const row = await server();
      return row.status === 'up' ? row : undefined;
    });
    expect(s.last_seen_at).not.toBeNull();
  });

  it('turns down within two intervals of the target going away, keeping when it was last seen', async () => {
    const seenBefore = (await server()).last_seen_at!;
    await target.stop();
    const s = await waitFor('status down', async () => {
      const row = await server();
      return row.status === 'down' ? row : undefined;
    }, WITHIN_TWO_INTERVALS);
    expect(s.last_seen_at!.getTime()).toBeGreaterThanOrEqual(seenBefore.getTime());
    expect(s.last_seen_at!.getTime()).toBeLessThan(Date.now());
  });

  it('comes back up within two intervals of the target answering again', async () => {
    const downSince = (await server()).last_seen_at!;
    await target.start();
    const s = await waitFor('status up again', async () => {
      const row = await server();
      return row.status === 'up' ? row : undefined;
    }, WITHIN_TWO_INTERVALS);
    expect(s.last_seen_at!.getTime()).toBeGreaterThan(downSince.getTime());
  });
});
