import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

describe('api smoke', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());

  it('answers', async () => {
    expect((await t.request('/healthz')).status).toBe(200);
    expect((await t.request('/readyz')).status).toBe(200);
    const me = await t.request('/api/me', { token: t.users.admin.accessToken });
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin' });
    const login = await t.request('/api/auth/login', { method: 'POST', body: { username: 'viewer', password: t.users.viewer.password } });
    expect(login.status).toBe(200);
    const anon = await t.request('/api/users');
    expect(anon.status).toBe(401);
    const tok = await t.apiToken('operator', ['read']);
    expect((await t.request('/api/me', { token: tok })).body).toMatchObject({ via: 'api_token' });
    expect((await t.request('/api/openapi.json')).status).toBe(200);
    expect((await t.request('/metrics')).text).toContain('http_requests_total');
  });
});
