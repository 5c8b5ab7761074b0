import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { openStorage, withTransaction } from '../src/index.ts';
import type { Storage } from '../src/index.ts';

const log = createLogger({ level: 'silent' });
const backend = testBackends().find((b) => b.name === 'embedded PostgreSQL')!;

describe('withTransaction', () => {
  let database: TestDatabase;
  let storage: Storage;
  const count = async () => Number((await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM t')).rows[0]!.n);

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log, maxConnections: 2 });
    await storage.pool.query('CREATE TABLE t (v int)');
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('commits what the work did and answers its result', async () => {
    expect(await withTransaction(storage.pool, async (client) => (await client.query('INSERT INTO t VALUES (1), (2)')).rowCount)).toBe(2);
    expect(await count()).toBe(2);
  });

  it('rolls back when the work throws, rethrows, and gives the connection back', async () => {
    const failure = new Error('refused');
    await expect(
      withTransaction(storage.pool, async (client) => {
        await client.query('INSERT INTO t VALUES (3)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await count()).toBe(2);
    // Both of the pool's two connections are usable again: a leaked one would leave this waiting (test timeout).
    await Promise.all([withTransaction(storage.pool, (c) => c.query('SELECT 1')), withTransaction(storage.pool, (c) => c.query('SELECT 1'))]);
  });
});
