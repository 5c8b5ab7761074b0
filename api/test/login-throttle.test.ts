import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createLoginThrottle } from '../src/auth/login-throttle.ts';

const log = createLogger({ level: 'silent' });
const retention = { samplesMs: 15 * 86_400_000, snapshotsMs: 30 * 86_400_000, rollupsMs: 400 * 86_400_000 };

describe('login throttle on PostgreSQL', () => {
  let database: TestDatabase;
  let storage: Storage;
  let now = 1_800_000_000_000;
  const clock = () => now;

  beforeAll(async () => {
    database = await testBackends().find((b) => !b.timescaledb)!.create();
    storage = await openStorage({ url: database.url, log });
    await migrate({ pool: storage.pool, mode: 'off', retention, log });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await storage.pool.query('DELETE FROM login_attempts');
    now = 1_800_000_000_000;
  });

  it('refuses an account past its limit until the window ends, whatever the letter case', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 2, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await throttle.attempt('Alice', '10.0.0.1')).toBe(0);
    expect(await throttle.attempt('alice', '10.0.0.2')).toBe(0);
    expect(await throttle.attempt('ALICE', '10.0.0.9')).toBe(60);
    now += 59_001;
    expect(await throttle.attempt('alice', '10.0.0.9')).toBe(1);
    now += 1_000;
    expect(await throttle.attempt('alice', '10.0.0.9')).toBe(0);
  });

  it('refuses an address across accounts; a success clears the account and does not count against the address', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 3, perAddress: 3, windowMs: 60_000, now: clock });
    expect(await throttle.attempt('a', '10.0.0.1')).toBe(0);
    expect(await throttle.attempt('b', '10.0.0.1')).toBe(0);
    await throttle.succeeded('b', '10.0.0.1');
    expect(await throttle.attempt('c', '10.0.0.1')).toBe(0);
    expect(await throttle.attempt('d', '10.0.0.1')).toBe(0);
    expect(await throttle.attempt('e', '10.0.0.1')).toBe(60);
    expect(await throttle.attempt('e', '10.0.0.2')).toBe(0);
    const rows = await storage.pool.query<{ key: string; attempts: number }>('SELECT key, attempts FROM login_attempts ORDER BY key');
    expect(rows.rows).toEqual([
      { key: 'a:10.0.0.1', attempts: 3 }, { key: 'a:10.0.0.2', attempts: 1 },
      { key: 'u:a', attempts: 1 }, { key: 'u:c', attempts: 1 }, { key: 'u:d', attempts: 1 }, { key: 'u:e', attempts: 1 },
    ]);
  });

  it('lets exactly the limit through when attempts arrive in parallel', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 5, perAddress: 1_000, windowMs: 60_000, now: clock });
    const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => throttle.attempt('root', `10.0.1.${i % 7}`)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.filter((w) => w === 60)).toHaveLength(25);
  });

  it('survives parallel attempts and successes over shared keys without deadlocks', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 1_000, perAddress: 1_000, windowMs: 60_000, now: clock });
    const work = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? throttle.succeeded(`user-${i % 4}`, `10.0.2.${i % 3}`) : throttle.attempt(`user-${i % 4}`, `10.0.2.${i % 3}`).then(() => undefined),
    );
    await expect(Promise.all(work)).resolves.toBeDefined();
  });

  it('shares its counts between API processes and keeps them across a restart', async () => {
    const options = { perAccount: 2, perAddress: 100, windowMs: 60_000, now: clock };
    const one = createLoginThrottle(storage.pool, options);
    const two = createLoginThrottle(storage.pool, options);
    expect(await one.attempt('bob', '10.0.0.1')).toBe(0);
    expect(await two.attempt('bob', '10.0.0.2')).toBe(0);
    const restarted = createLoginThrottle(storage.pool, options);
    expect(await restarted.attempt('bob', '10.0.0.3')).toBe(60);
  });

  it('does not count refused attempts, and forgets keys whose window ended a window ago', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 1, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await throttle.attempt('carol', '10.0.0.1')).toBe(0);
    for (let i = 0; i < 5; i++) expect(await throttle.attempt('carol', '10.0.0.1')).toBeGreaterThan(0);
    expect((await storage.pool.query('SELECT attempts FROM login_attempts WHERE key = $1', ['a:10.0.0.1'])).rows).toEqual([{ attempts: 1 }]);
    now += 120_001;
    expect(await throttle.attempt('dave', '10.0.0.9')).toBe(0);
    const keys = (await storage.pool.query<{ key: string }>('SELECT key FROM login_attempts ORDER BY key')).rows.map((r) => r.key);
    expect(keys).toEqual(['a:10.0.0.9', 'u:dave']);
  });
});
