import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createLoginThrottle } from '../src/auth/login-throttle.ts';
import type { LoginThrottle } from '../src/auth/login-throttle.ts';

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

  // A login as the routes make it: checked, then failed (a wrong password) unless it was refused.
  const failing = async (throttle: LoginThrottle, account: string, address: string): Promise<number> => {
    const wait = await throttle.attempt(account, address);
    if (wait === 0) await throttle.failed(account, address);
    return wait;
  };
  const rows = async () =>
    (await storage.pool.query<{ key: string; failures: number; pending: number }>('SELECT key, failures, pending FROM login_attempts ORDER BY key')).rows;

  it('refuses an account past its failures until the window ends, whatever the letter case', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 2, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await failing(throttle, 'Alice', '10.0.0.1')).toBe(0);
    expect(await failing(throttle, 'alice', '10.0.0.2')).toBe(0);
    expect(await throttle.attempt('ALICE', '10.0.0.9')).toBe(60);
    now += 59_001;
    expect(await throttle.attempt('alice', '10.0.0.9')).toBe(1);
    now += 1_000;
    expect(await throttle.attempt('alice', '10.0.0.9')).toBe(0);
  });

  it('refuses an address past its failures across accounts; a success clears the account and is no failure of the address', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 3, perAddress: 3, windowMs: 60_000, now: clock });
    expect(await failing(throttle, 'a', '10.0.0.1')).toBe(0);
    expect(await throttle.attempt('b', '10.0.0.1')).toBe(0);
    await throttle.succeeded('b');
    expect(await failing(throttle, 'c', '10.0.0.1')).toBe(0);
    expect(await failing(throttle, 'd', '::ffff:10.0.0.1')).toBe(0);
    expect(await throttle.attempt('e', '10.0.0.1')).toBe(60);
    expect(await throttle.attempt('e', '10.0.0.2')).toBe(0);
    expect(await rows()).toEqual([
      { key: 'a:10.0.0.1', failures: 3, pending: 0 },
      { key: 'u:a', failures: 1, pending: 0 }, { key: 'u:c', failures: 1, pending: 0 }, { key: 'u:d', failures: 1, pending: 0 },
      // Refused at 10.0.0.1 without a trace; going ahead at 10.0.0.2, its check is in flight.
      { key: 'u:e', failures: 0, pending: 1 },
    ]);
  });

  it('lets exactly the limit of parallel wrong guesses at one account check a password', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 5, perAddress: 1_000, windowMs: 60_000, now: clock });
    const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => failing(throttle, 'root', `10.0.1.${i % 7}`)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.filter((w) => w === 60)).toHaveLength(25);
    expect(await rows()).toContainEqual({ key: 'u:root', failures: 5, pending: 0 });
  });

  it('lets every one of many parallel right logins at one account in, each waiting for the checks ahead of it', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 2, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await failing(throttle, 'devices', '10.0.4.1')).toBe(0);
    const waits = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const wait = await throttle.attempt('devices', `10.0.4.${i}`);
      if (wait === 0) await throttle.succeeded('devices');
      return wait;
    }));
    expect(waits).toEqual(Array(8).fill(0));
    expect(await rows()).toEqual([{ key: 'a:10.0.4.1', failures: 1, pending: 0 }]);
  });

  it('does not refuse parallel logins of many accounts from one address that succeed', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 5, perAddress: 3, windowMs: 60_000, now: clock });
    const waits = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const wait = await throttle.attempt(`user-${i}`, '10.0.3.1');
      if (wait === 0) await throttle.succeeded(`user-${i}`);
      return wait;
    }));
    expect(waits.every((w) => w === 0)).toBe(true);
    expect(await rows()).toEqual([]);
  });

  it('forgets a check that could not be made', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 1, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await throttle.attempt('erin', '10.0.5.1')).toBe(0);
    await throttle.abandoned('erin');
    expect(await throttle.attempt('erin', '10.0.5.1')).toBe(0);
  });

  it('guards a login: null counts as a failure, a value as a success, a throw as neither', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 1, perAddress: 100, windowMs: 60_000, now: clock });
    await expect(throttle.guard('frank', '10.0.6.1', () => Promise.reject(new Error('storage down')))).rejects.toThrow('storage down');
    expect(await throttle.guard('frank', '10.0.6.1', () => Promise.resolve({ id: 'f' }))).toEqual({ found: { id: 'f' } });
    expect(await rows()).toEqual([]);
    expect(await throttle.guard('frank', '10.0.6.1', () => Promise.resolve(null))).toEqual({ found: null });
    expect(await throttle.guard('frank', '10.0.6.1', () => Promise.resolve({ id: 'f' }))).toEqual({ retryAfter: 60 });
  });

  it('shares its counts between API processes and keeps them across a restart', async () => {
    const options = { perAccount: 2, perAddress: 100, windowMs: 60_000, now: clock };
    const one = createLoginThrottle(storage.pool, options);
    const two = createLoginThrottle(storage.pool, options);
    expect(await failing(one, 'bob', '10.0.0.1')).toBe(0);
    expect(await failing(two, 'bob', '10.0.0.2')).toBe(0);
    const restarted = createLoginThrottle(storage.pool, options);
    expect(await restarted.attempt('bob', '10.0.0.3')).toBe(60);
  });

  it('does not count refused attempts, and forgets keys whose window ended a window ago', async () => {
    const throttle = createLoginThrottle(storage.pool, { perAccount: 1, perAddress: 100, windowMs: 60_000, now: clock });
    expect(await failing(throttle, 'carol', '10.0.0.1')).toBe(0);
    for (let i = 0; i < 5; i++) expect(await failing(throttle, 'carol', '10.0.0.1')).toBeGreaterThan(0);
    expect(await rows()).toEqual([{ key: 'a:10.0.0.1', failures: 1, pending: 0 }, { key: 'u:carol', failures: 1, pending: 0 }]);
    now += 120_001;
    expect(await throttle.attempt('dave', '10.0.0.9')).toBe(0);
    expect(await rows()).toEqual([{ key: 'u:dave', failures: 0, pending: 1 }]);
  });
});
