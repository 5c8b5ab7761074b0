import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { bootstrapAdmin } from '../src/bootstrap-admin.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const external = testBackends()[0]!;

describe.skipIf(external.skip)('the bootstrap admin on PostgreSQL at DATABASE_URL', () => {
  let database: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    database = await external.create();
    storage = await openStorage({ url: database.url, log, maxConnections: 8 });
    await migrate({ pool: storage.pool, mode: 'off', retention: { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY }, log });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('is created exactly once when several processes start together on a new database', async () => {
    const config = { SEXTANT_ADMIN_USER: 'admin', SEXTANT_ADMIN_PASSWORD: 'a-long-enough-secret' };
    const lines = await Promise.all(Array.from({ length: 6 }, () => bootstrapAdmin(storage.pool, config)));
    expect(lines.filter((line) => line !== undefined)).toEqual(['  admin     user admin, password from SEXTANT_ADMIN_PASSWORD']);
    const users = await storage.pool.query<{ username: string; role: string; password_hash: string }>('SELECT username, role, password_hash FROM users');
    expect(users.rows.map((u) => [u.username, u.role])).toEqual([['admin', 'admin']]);
    expect(await verifyPassword(users.rows[0]!.password_hash, 'a-long-enough-secret')).toBe(true);
    expect(await bootstrapAdmin(storage.pool, config)).toBeUndefined();
  });
});
