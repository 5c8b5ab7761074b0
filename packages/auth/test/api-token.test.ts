import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { migrate, openStorage } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { generateApiToken, hashApiToken, hashPassword, verifyApiToken } from '../src/index.ts';
import type { TokenScope } from '../src/index.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const backend = testBackends().find((b) => b.name === 'embedded PostgreSQL')!;

describe('API tokens against a real database', () => {
  let database: TestDatabase;
  let storage: Storage;
  let userId: string;

  const addToken = async (scopes: TokenScope[], extra: { expiresAt?: Date; revoked?: boolean } = {}): Promise<string> => {
    const { token, hash } = generateApiToken();
    await storage.pool.query('INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      userId,
      'test',
      hash,
      scopes,
      extra.expiresAt ?? null,
      extra.revoked === true ? new Date() : null,
    ]);
    return token;
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = await openStorage({ url: database.url, log });
    await migrate({ pool: storage.pool, mode: 'off', retention, log });
    const result = await storage.pool.query<{ id: string }>("INSERT INTO users (username, password_hash, role) VALUES ('ops', $1, 'operator') RETURNING id", [
      await hashPassword('correct horse battery'),
    ]);
    userId = result.rows[0]!.id;
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('stores only the hash and answers the principal for a live token with the scope', async () => {
    const token = await addToken(['remote_write', 'read']);
    expect(token).toMatch(/^sxt_[A-Za-z0-9_-]{43}$/);
    const stored = await storage.pool.query('SELECT 1 FROM api_tokens WHERE token_hash = $1', [token]);
    expect(stored.rowCount).toBe(0);
    const principal = await verifyApiToken(storage.pool, token, 'remote_write');
    expect(principal).toMatchObject({ userId, username: 'ops', role: 'operator', scopes: ['remote_write', 'read'] });
  });

  it('records last use, at most once a minute', async () => {
    const token = await addToken(['read']);
    const lastUsed = async () =>
      (await storage.pool.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_tokens WHERE token_hash = $1', [hashApiToken(token)])).rows[0]!
        .last_used_at;
    expect(await lastUsed()).toBeNull();
    await verifyApiToken(storage.pool, token);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await verifyApiToken(storage.pool, token);
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
  });

  it('refuses a token without the scope, revoked, expired, unknown or not a token at all', async () => {
    expect(await verifyApiToken(storage.pool, await addToken(['read']), 'remote_write')).toBeNull();
    expect(await verifyApiToken(storage.pool, await addToken(['remote_write'], { revoked: true }), 'remote_write')).toBeNull();
    expect(await verifyApiToken(storage.pool, await addToken(['remote_write'], { expiresAt: new Date(Date.now() - 1000) }), 'remote_write')).toBeNull();
    expect(await verifyApiToken(storage.pool, generateApiToken().token)).toBeNull();
    expect(await verifyApiToken(storage.pool, 'eyJhbGciOiJIUzI1NiJ9.e30.x')).toBeNull();
  });

  it("stops a disabled or deleted user's tokens at once", async () => {
    const token = await addToken(['read']);
    expect(await verifyApiToken(storage.pool, token, 'read')).not.toBeNull();
    await storage.pool.query('UPDATE users SET disabled = true WHERE id = $1', [userId]);
    expect(await verifyApiToken(storage.pool, token, 'read')).toBeNull();
    await storage.pool.query('UPDATE users SET disabled = false WHERE id = $1', [userId]);
    expect(await verifyApiToken(storage.pool, token, 'read')).not.toBeNull();
    await storage.pool.query('DELETE FROM users WHERE id = $1', [userId]);
    expect(await verifyApiToken(storage.pool, token, 'read')).toBeNull();
  });
});
