import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '@sextant/auth';
import type { TokenScope } from '@sextant/auth';
import { createLogger } from '@sextant/log';
import { freePort, migrate, openStorage, runMaintenance } from '@sextant/storage';
import type { Storage } from '@sextant/storage';
import { testBackends } from '@sextant/testkit';
import type { TestDatabase } from '@sextant/testkit';
import { createIngesterServer, createWriter } from '../src/index.ts';
import type { IngesterServer, WriteBatch } from '../src/index.ts';
import { compress, post, v1Bytes, V1_HEADERS } from './remote-write-requests.ts';

const log = createLogger({ level: 'silent' });
const DAY = 86_400_000;
const retention = { samplesMs: 15 * DAY, snapshotsMs: 30 * DAY, rollupsMs: 400 * DAY };
const [backend] = testBackends();

describe.runIf(backend !== undefined)('remote-write authentication and storage outages', () => {
  let database: TestDatabase;
  let storage: Storage;
  let server: IngesterServer;
  let url: string;
  let n = 0;
  const body = () => compress(v1Bytes([{ labels: { __name__: 'auth_metric', n: String(n++) }, samples: [{ value: 1, timestamp: Date.now() }] }]));
  const write = (authorization?: string) => post(url, body(), authorization === undefined ? V1_HEADERS : { ...V1_HEADERS, authorization });
  const bearer = (token: string) => `Bearer ${token}`;

  async function addToken(options: { scopes?: TokenScope[]; username?: string; expiresIn?: string; revoked?: boolean; disabled?: boolean } = {}): Promise<string> {
    const username = options.username ?? `user${n++}`;
    const user = await storage.pool.query<{ id: string }>(
      `INSERT INTO users (username, password_hash, role, disabled) VALUES ($1, 'unused', 'operator', $2)
       ON CONFLICT (username) DO UPDATE SET disabled = excluded.disabled RETURNING id`,
      [username, options.disabled ?? false],
    );
    const { token, hash } = generateApiToken();
    await storage.pool.query(
      `INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at, revoked_at)
       VALUES ($1, 'test', $2, $3, now() + $4::interval, CASE WHEN $5 THEN now() END)`,
      [user.rows[0]!.id, hash, options.scopes ?? ['remote_write'], options.expiresIn ?? '1 day', options.revoked ?? false],
    );
    return token;
  }

  beforeAll(async () => {
    database = await backend!.create();
    storage = await openStorage({ url: database.url, log, ...backend!.poolLimits });
    const { caps } = await migrate({ pool: storage.pool, mode: 'auto', retention, log });
    await runMaintenance({ pool: storage.pool, caps, retention, log });
    const writer = createWriter({ pool: storage.pool, log });
    server = createIngesterServer({ sink: (batch) => writer.write(batch), pool: storage.pool, log, authCacheMs: 0 });
    url = await server.listen(0);
  });

  afterAll(async () => {
    await server?.close();
    await storage?.close();
    await database?.drop();
  });

  it('requires a token by default: none → 401 with WWW-Authenticate, and nothing stored', async () => {
    const res = await write();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(res.text).toMatch(/API token/);
    const stored = await storage.pool.query(`SELECT 1 FROM series WHERE metric_name = 'auth_metric'`);
    expect(stored.rowCount).toBe(0);
  });

  it('accepts a live token with the remote_write scope, as a bearer token or as a basic-auth password', async () => {
    const token = await addToken();
    expect((await write(bearer(token))).status).toBe(204);
    expect((await write(`Basic ${Buffer.from(`prometheus:${token}`).toString('base64')}`)).status).toBe(204);
  });

  it('answers 401 to a wrong, revoked or expired token, or one whose user is disabled', async () => {
    expect((await write(bearer('sxt_not-a-real-token'))).status).toBe(401);
    expect((await write(bearer('not even the format'))).status).toBe(401);
    expect((await write(`Basic ${Buffer.from('prometheus:wrong').toString('base64')}`)).status).toBe(401);
    expect((await write(bearer(await addToken({ revoked: true })))).status).toBe(401);
    expect((await write(bearer(await addToken({ expiresIn: '-1 minute' })))).status).toBe(401);
    expect((await write(bearer(await addToken({ disabled: true })))).status).toBe(401);
  });

  it('answers 403 to a live token without the remote_write scope', async () => {
    const res = await write(bearer(await addToken({ scopes: ['read', 'mqtt'] })));
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/remote_write scope/);
  });

  it('stops accepting a token once it is revoked', async () => {
    const token = await addToken();
    expect((await write(bearer(token))).status).toBe(204);
    await storage.pool.query(`UPDATE api_tokens SET revoked_at = now() WHERE token_hash = encode(sha256($1::bytea), 'hex')`, [token]);
    expect((await write(bearer(token))).status).toBe(401);
  });

  it('answers 503 (retryable, never 429) when the database is unreachable, and /readyz says not ready', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined);
    const writer = createWriter({ pool, log });
    const down = createIngesterServer({ sink: (batch) => writer.write(batch), pool, log, remoteWriteAuth: 'open' });
    const downUrl = await down.listen(0);
    const guarded = createIngesterServer({ sink: (batch) => writer.write(batch), pool, log });
    const guardedUrl = await guarded.listen(0);
    try {
      const res = await post(downUrl, body(), V1_HEADERS);
      expect(res).toMatchObject({ status: 503, samples: '0' });
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await fetch(`${downUrl}/readyz`)).status).toBe(503);
      expect((await fetch(`${downUrl}/healthz`)).status).toBe(200);
      // With token auth, a token that cannot be checked is storage trouble too, not a 401.
      expect((await post(guardedUrl, body(), { ...V1_HEADERS, authorization: 'Bearer sxt_whatever' })).status).toBe(503);
    } finally {
      await down.close();
      await guarded.close();
      await pool.end();
    }
  });

  it('acknowledges only after the sink resolves; a retryable sink failure is a 503, a refusal a 400, a bug a 500', async () => {
    let release: (() => void) | undefined;
    let seen: WriteBatch | undefined;
    const slow = createIngesterServer({
      sink: (batch) => {
        seen = batch;
        return new Promise((resolve) => {
          release = () => resolve({ samples: 1, duplicates: 0, newSeries: 1, metadata: 0 });
        });
      },
      pool: storage.pool,
      log,
      remoteWriteAuth: 'open',
    });
    const failing = createIngesterServer({
      sink: () => Promise.reject(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' })),
      pool: storage.pool,
      log,
      remoteWriteAuth: 'open',
    });
    const refusing = createIngesterServer({
      sink: () => Promise.reject(Object.assign(new Error('snapshot rows refused'), { code: 'SNAPSHOT_REJECTED', retryable: false })),
      pool: storage.pool,
      log,
      remoteWriteAuth: 'open',
    });
    const broken = createIngesterServer({ sink: () => Promise.reject(new Error('a bug')), pool: storage.pool, log, remoteWriteAuth: 'open' });
    const slowUrl = await slow.listen(0);
    const failingUrl = await failing.listen(0);
    const refusingUrl = await refusing.listen(0);
    const brokenUrl = await broken.listen(0);
    try {
      let answered = false;
      const pending = post(slowUrl, body(), V1_HEADERS).then((res) => {
        answered = true;
        return res;
      });
      await expect.poll(() => seen !== undefined).toBe(true);
      expect(answered).toBe(false);
      release!();
      expect((await pending).status).toBe(204);
      expect((await post(failingUrl, body(), V1_HEADERS)).status).toBe(503);
      const refused = await post(refusingUrl, body(), V1_HEADERS);
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/snapshot rows refused/);
      const bug = await post(brokenUrl, body(), V1_HEADERS);
      expect(bug).toMatchObject({ status: 500, text: 'internal error\n' });
    } finally {
      await slow.close();
      await failing.close();
      await refusing.close();
      await broken.close();
    }
  });
});
