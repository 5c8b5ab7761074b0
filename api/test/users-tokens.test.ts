import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

describe('/api/users', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());
  const admin = () => t.users.admin.accessToken;

  it('creates, lists, reads, changes and deletes users; never shows a password hash', async () => {
    const created = await t.request('/api/users', { method: 'POST', token: admin(), body: { username: 'eve', password: 'eve-password-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'eve', role: 'viewer', disabled: false });
    expect(JSON.stringify(created.body)).not.toContain('argon2');
    const list = await t.request('/api/users', { token: admin() });
    expect(list.body.total).toBe(4);
    expect((list.body.items as { username: string }[]).map((u) => u.username)).toEqual(['admin', 'eve', 'operator', 'viewer']);
    const dup = await t.request('/api/users', { method: 'POST', token: admin(), body: { username: 'eve', password: 'eve-password-2' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CONFLICT');
    const changed = await t.request(`/api/users/${created.body.id}`, { method: 'PATCH', token: admin(), body: { role: 'operator' } });
    expect(changed.body.role).toBe('operator');
    expect((await t.request(`/api/users/${created.body.id}`, { token: admin() })).body.role).toBe('operator');
    expect((await t.request(`/api/users/${created.body.id}`, { method: 'DELETE', token: admin() })).status).toBe(204);
    expect((await t.request(`/api/users/${created.body.id}`, { token: admin() })).status).toBe(404);
  });

  it('resets a password: the old one stops working and open sessions end', async () => {
    const created = await t.request('/api/users', { method: 'POST', token: admin(), body: { username: 'pat', password: 'pat-password-1', role: 'viewer' } });
    const pair = (await t.request('/api/auth/login', { method: 'POST', body: { username: 'pat', password: 'pat-password-1' } })).body;
    await t.request(`/api/users/${created.body.id}`, { method: 'PATCH', token: admin(), body: { password: 'pat-password-2' } });
    expect((await t.request('/api/auth/login', { method: 'POST', body: { username: 'pat', password: 'pat-password-1' } })).status).toBe(401);
    expect((await t.request('/api/auth/login', { method: 'POST', body: { username: 'pat', password: 'pat-password-2' } })).status).toBe(200);
    expect((await t.request('/api/auth/refresh', { method: 'POST', body: { refreshToken: pair.refreshToken } })).status).toBe(401);
  });

  it('refuses bad input with every problem listed, and never removes the last enabled admin', async () => {
    const bad = await t.request('/api/users', { method: 'POST', token: admin(), body: { username: 'a b', password: 'short', role: 'root' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((bad.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['password', 'role', 'username']);
    expect((await t.request('/api/users/not-a-uuid', { token: admin() })).body.code).toBe('VALIDATION_FAILED');
    expect((await t.request(`/api/users/${t.users.admin.id}`, { method: 'PATCH', token: admin(), body: {} })).status).toBe(400);
    for (const change of [{ role: 'viewer' }, { disabled: true }]) {
      const res = await t.request(`/api/users/${t.users.admin.id}`, { method: 'PATCH', token: admin(), body: change });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('LAST_ADMIN');
    }
    expect((await t.request(`/api/users/${t.users.admin.id}`, { method: 'DELETE', token: admin() })).body.code).toBe('LAST_ADMIN');
    // With a second admin, the first may step down.
    const second = await t.request('/api/users', { method: 'POST', token: admin(), body: { username: 'ada', password: 'ada-password-1', role: 'admin' } });
    const ada = (await t.request('/api/auth/login', { method: 'POST', body: { username: 'ada', password: 'ada-password-1' } })).body.accessToken as string;
    expect((await t.request(`/api/users/${t.users.admin.id}`, { method: 'PATCH', token: ada, body: { role: 'operator' } })).status).toBe(200);
    expect((await t.request(`/api/users/${t.users.admin.id}`, { method: 'PATCH', token: ada, body: { role: 'admin' } })).status).toBe(200);
    expect(second.status).toBe(201);
  });
});

describe('/api/tokens', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());

  it('shows the secret once, stores only its hash, and records last use', async () => {
    const created = await t.request('/api/tokens', { method: 'POST', token: t.users.operator.accessToken, body: { name: 'prometheus', scopes: ['read', 'remote_write'], expiresIn: '30d' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^sxt_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'prometheus', scopes: ['read', 'remote_write'], userId: t.users.operator.id, lastUsedAt: null, revokedAt: null });
    const days = (Date.parse(created.body.expiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const stored = await t.storage.pool.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [created.body.id]);
    expect(stored.rows[0]!.token_hash).not.toContain(created.body.token as string);

    expect((await t.request('/api/me', { token: created.body.token as string })).body).toMatchObject({ username: 'operator', via: 'api_token', scopes: ['read', 'remote_write'] });
    const list = await t.request('/api/tokens', { token: t.users.operator.accessToken });
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].token).toBeUndefined();
    expect(list.body.items[0].lastUsedAt).not.toBeNull();
  });

  it('lists only your own tokens; admins see all with all=true; revocation is immediate', async () => {
    const viewerToken = await t.apiToken('viewer', ['read']);
    const own = await t.request('/api/tokens', { token: t.users.viewer.accessToken });
    expect((own.body.items as { username: string }[]).map((i) => i.username)).toEqual(['viewer']);
    const mine = own.body.items[0].id as string;
    // Someone else's token is invisible, so revoking it is a 404.
    expect((await t.request(`/api/tokens/${mine}`, { method: 'DELETE', token: t.users.operator.accessToken })).status).toBe(404);
    const all = await t.request('/api/tokens?all=true', { token: t.users.admin.accessToken });
    expect(new Set((all.body.items as { username: string }[]).map((i) => i.username))).toEqual(new Set(['operator', 'viewer']));
    const notAdmin = await t.request('/api/tokens?all=true', { token: t.users.viewer.accessToken });
    expect((notAdmin.body.items as { username: string }[]).every((i) => i.username === 'viewer')).toBe(true);

    expect((await t.request('/api/me', { token: viewerToken })).status).toBe(200);
    expect((await t.request(`/api/tokens/${mine}`, { method: 'DELETE', token: t.users.viewer.accessToken })).status).toBe(204);
    expect((await t.request('/api/me', { token: viewerToken })).status).toBe(401);
  });

  it('refuses expired tokens and bad requests', async () => {
    const created = await t.request('/api/tokens', { method: 'POST', token: t.users.viewer.accessToken, body: { name: 'short', scopes: ['read'], expiresIn: '1h' } });
    await t.storage.pool.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [created.body.id]);
    expect((await t.request('/api/me', { token: created.body.token as string })).status).toBe(401);
    for (const body of [{ name: 'x', scopes: [] }, { name: 'x', scopes: ['root'] }, { name: 'x', scopes: ['read', 'read'] }, { name: 'x', scopes: ['read'], expiresIn: 'soon' }, { name: 'x', scopes: ['read'], expiresIn: '1000000y' }]) {
      const res = await t.request('/api/tokens', { method: 'POST', token: t.users.viewer.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});
