import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const json = { 'content-type': 'application/json' };

describe('login, refresh rotation, logout', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ throttle: { perAccount: 3, perAddress: 8, windowMs: 60_000 } });
  });
  afterAll(async () => t?.close());

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    t.request('/api/auth/login', { method: 'POST', body: { username, password }, headers });

  it('logs in with a 15-minute access token and an httpOnly, SameSite=Strict refresh cookie scoped to /api/auth', async () => {
    const res = await login('operator', t.users.operator.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const claims = jwt.decode(res.body.accessToken as string, { complete: true })!;
    expect(claims.header.alg).toBe('HS256');
    const payload = claims.payload as jwt.JwtPayload;
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.sub).toBe(t.users.operator.id);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`sextant_refresh=${res.body.refreshToken}`);
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).toContain('samesite=strict');
    expect(cookie.toLowerCase()).toContain('path=/api/auth');
    expect(cookie.toLowerCase()).not.toContain('secure');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const me = await t.request('/api/me', { token: res.body.accessToken });
    expect(me.body).toMatchObject({ id: t.users.operator.id, username: 'operator', role: 'operator', via: 'jwt' });
    // The refresh token is stored hashed, never in clear.
    const stored = await t.storage.pool.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens WHERE user_id = $1', [t.users.operator.id]);
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(res.body.refreshToken);
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the whole family', async () => {
    const first = (await login('viewer', t.users.viewer.password)).body.refreshToken as string;
    const second = await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: first } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first);
    const third = await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: second.body.refreshToken } });
    expect(third.status).toBe(200);
    // An attacker replays the first token: refused, and the family (including the live third token) dies.
    const replay = await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: first } });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    const legit = await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: third.body.refreshToken } });
    expect(legit.status).toBe(401);
    expect(legit.body.code).toBe('REFRESH_TOKEN_INVALID');
    // Another login of the same user is a different family and still works.
    const other = (await login('viewer', t.users.viewer.password)).body.refreshToken as string;
    expect((await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: other } })).status).toBe(200);
  });

  it('refreshes from the cookie alone, and only one of two concurrent uses wins', async () => {
    const token = (await login('viewer', t.users.viewer.password)).body.refreshToken as string;
    const viaCookie = await t.request('/api/auth/refresh', { method: 'POST', headers: { cookie: `sextant_refresh=${token}` } });
    expect(viaCookie.status).toBe(200);
    const next = viaCookie.body.refreshToken as string;
    const [a, b] = await Promise.all([0, 1].map(() => t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: next } })));
    expect([a!.status, b!.status].sort()).toEqual([200, 401]);
  });

  it('logout revokes the login and clears the cookie', async () => {
    const pair = (await login('viewer', t.users.viewer.password)).body;
    const out = await t.request('/api/auth/logout', { method: 'POST', headers: { cookie: `sextant_refresh=${pair.refreshToken}` } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/sextant_refresh=;.*expires=Thu, 01 Jan 1970/i);
    const after = await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: pair.refreshToken } });
    expect(after.status).toBe(401);
  });

  it('forgets refresh tokens a day after they expired, at the next login', async () => {
    await login('viewer', t.users.viewer.password);
    await t.storage.pool.query("UPDATE refresh_tokens SET expires_at = now() - interval '2 days' WHERE user_id = $1", [t.users.viewer.id]);
    const before = await t.storage.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1', [t.users.viewer.id]);
    expect(before.rows[0].n).toBeGreaterThan(1);
    await login('viewer', t.users.viewer.password);
    const after = await t.storage.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1', [t.users.viewer.id]);
    expect(after.rows[0].n).toBe(1);
  });

  it('rejects a missing or garbage refresh token', async () => {
    expect((await t.request('/api/auth/refresh', { method: 'POST' })).body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: 'sxr_nope' } })).status).toBe(401);
  });

  it('stops a disabled user at once: access token, refresh token and API token', async () => {
    const created = await t.request('/api/users', { method: 'POST', token: t.users.admin.accessToken, body: { username: 'dora', password: 'dora-password-1', role: 'operator' } });
    expect(created.status).toBe(201);
    const pair = (await login('dora', 'dora-password-1')).body;
    const apiToken = (await t.request('/api/tokens', { method: 'POST', token: pair.accessToken, body: { name: 'ci', scopes: ['read'] } })).body.token as string;
    expect((await t.request('/api/me', { token: pair.accessToken })).status).toBe(200);
    expect((await t.request('/api/me', { token: apiToken })).status).toBe(200);

    const disabled = await t.request(`/api/users/${created.body.id}`, { method: 'PATCH', token: t.users.admin.accessToken, body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect((await t.request('/api/me', { token: pair.accessToken })).status).toBe(401);
    expect((await t.request('/api/me', { token: apiToken })).status).toBe(401);
    expect((await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: pair.refreshToken } })).status).toBe(401);
    const again = await login('dora', 'dora-password-1');
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('INVALID_CREDENTIALS');

    // Deleted: the same.
    await t.request(`/api/users/${created.body.id}`, { method: 'PATCH', token: t.users.admin.accessToken, body: { disabled: false } });
    const back = (await login('dora', 'dora-password-1')).body.accessToken as string;
    expect((await t.request('/api/me', { token: back })).status).toBe(200);
    expect((await t.request(`/api/users/${created.body.id}`, { method: 'DELETE', token: t.users.admin.accessToken })).status).toBe(204);
    expect((await t.request('/api/me', { token: back })).status).toBe(401);
  });

  it('applies a role change to existing access tokens at once', async () => {
    const created = await t.request('/api/users', { method: 'POST', token: t.users.admin.accessToken, body: { username: 'rob', password: 'rob-password-1', role: 'admin' } });
    const token = (await login('rob', 'rob-password-1')).body.accessToken as string;
    expect((await t.request('/api/users', { token })).status).toBe(200);
    await t.request(`/api/users/${created.body.id}`, { method: 'PATCH', token: t.users.admin.accessToken, body: { role: 'viewer' } });
    expect((await t.request('/api/users', { token })).status).toBe(403);
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    const unknown = await login('nobody-here', 'whatever-password', { 'x-forwarded-for': '10.0.0.1' });
    const wrong = await login('admin', 'whatever-password', { 'x-forwarded-for': '10.0.0.1' });
    expect(unknown.status).toBe(401);
    expect(strip(unknown.body as Record<string, unknown>)).toEqual(strip(wrong.body as Record<string, unknown>));
    expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('login throttling', () => {
  let t: TestApi;
  beforeAll(async () => {
    // Trusting the proxy lets the test speak from several client addresses.
    t = await startTestApi({ throttle: { perAccount: 3, perAddress: 5, windowMs: 60_000 }, env: { API_TRUST_PROXY: 'true' } });
  });
  afterAll(async () => t?.close());

  const login = (username: string, password: string, address: string) =>
    t.request('/api/auth/login', { method: 'POST', body: { username, password }, headers: { ...json, 'x-forwarded-for': address } });

  it('locks an account after repeated failures, even for the right password, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await login('operator', 'wrong-password', `10.1.0.${i}`)).status).toBe(401);
    const locked = await login('operator', t.users.operator.password, '10.1.0.99');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('TOO_MANY_REQUESTS');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other accounts are not affected.
    expect((await login('viewer', t.users.viewer.password, '10.1.0.98')).status).toBe(200);
  });

  it('lets only the limit of parallel guesses at one account check a password', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login('guessed', `guess-${i}`, `10.4.0.${i}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
  });

  it('marks the refresh cookie Secure, and sends HSTS, behind an HTTPS proxy', async () => {
    const res = await t.request('/api/auth/login', {
      method: 'POST',
      body: { username: 'viewer', password: t.users.viewer.password },
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.3.0.1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')!.toLowerCase()).toContain('; secure');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('throttles an address that tries many accounts, unknown ones included, the same way', async () => {
    const names = ['a1', 'a2', 'admin', 'a3', 'a4'];
    for (const name of names) expect((await login(name, 'wrong-password', '10.2.0.1')).status).toBe(401);
    const blocked = await login('admin', t.users.admin.password, '10.2.0.1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('admin', t.users.admin.password, '10.2.0.2')).status).toBe(200);
  });
});
