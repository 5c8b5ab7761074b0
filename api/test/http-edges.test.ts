import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@sextant/log';
import { apiConfigSchema, signAccessToken, startApi } from '../src/index.ts';
import type { RunningApi } from '../src/index.ts';
import { createOpenApiChecker } from './openapi-check.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

describe('HTTP edges', () => {
  let t: TestApi;
  let ui: string;
  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'sextant-ui-'));
    ui = path.join(root, 'dist');
    await mkdir(path.join(ui, 'assets'), { recursive: true });
    await writeFile(path.join(ui, 'index.html'), '<!doctype html><title>Sextant UI</title>');
    await writeFile(path.join(ui, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(path.join(ui, '.env'), 'SECRET=1');
    await writeFile(path.join(root, 'outside.txt'), 'not for you');
    t = await startTestApi({ env: { API_UI_DIR: ui, API_CORS_ORIGINS: 'https://grafana.example, http://localhost:5173', API_BODY_LIMIT: '1024' } });
  });
  afterAll(async () => {
    await t?.close();
    await rm(path.dirname(ui), { recursive: true, force: true });
  });

  it('echoes a well-formed X-Request-Id, makes one otherwise, and puts it in problems', async () => {
    const given = await t.request('/healthz', { headers: { 'x-request-id': 'abc-123.xyz' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123.xyz');
    const made = await t.request('/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await t.request('/api/me', { headers: { 'x-request-id': 'trace-42' } });
    expect(problem.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', requestId: 'trace-42', instance: '/api/me' });
    expect(problem.headers.get('content-type')).toContain('application/problem+json');
    expect(problem.headers.get('www-authenticate')).toBe('Bearer realm="sextant"');
  });

  it('sends security headers on answers and errors alike: the SPA policy on pages, a lock-down on data', async () => {
    for (const res of [await t.request('/healthz'), await t.request('/api/nothing-here'), await t.request('/api/docs'), await t.request('/', { unchecked: true })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const page = await t.request('/', { unchecked: true });
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-eval');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const data = await t.request('/healthz');
    expect(data.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('allows CORS only for configured origins', async () => {
    const ok = await t.request('/healthz', { headers: { origin: 'http://localhost:5173' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('vary')).toContain('Origin');
    const other = await t.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/api/servers`, {
      method: 'OPTIONS',
      headers: { origin: 'https://grafana.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('limits bodies (413), refuses unknown media types (415) and bad JSON (400)', async () => {
    const big = await t.request('/api/auth/login', { method: 'POST', body: JSON.stringify({ username: 'a', password: 'x'.repeat(2000) }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    const xml = await t.request('/api/auth/login', { method: 'POST', body: '<login/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    const broken = await t.request('/api/auth/login', { method: 'POST', body: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('BAD_REQUEST');
  });

  it('answers unknown API paths and methods with problems', async () => {
    const missing = await t.request('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const method = await t.request('/healthz', { method: 'DELETE' });
    expect(method.status).toBe(405);
    expect(method.body.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('serves the UI with an SPA fallback and never a file outside its folder', async () => {
    const index = await t.request('/', { unchecked: true });
    expect(index.text).toContain('Sextant UI');
    const deep = await t.request('/servers/42/metrics', { unchecked: true });
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('Sextant UI');
    const asset = await t.request('/assets/app-1234.js', { unchecked: true });
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const probe of ['/..%2foutside.txt', '/assets/..%2f..%2foutside.txt', '/%2e%2e/outside.txt', '/.env', '/assets/missing.js', '/%00']) {
      const res = await fetch(`${t.url}${probe}`);
      const text = await res.text();
      expect(res.status, probe).toBe(404);
      expect(text).not.toContain('not for you');
      expect(text).not.toContain('SECRET');
    }
  });

  it('counts requests by route template in its own /metrics', async () => {
    await t.request(`/api/users/${t.users.admin.id}`, { token: t.users.admin.accessToken });
    const metrics = await t.request('/metrics');
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/users\/:id",status="200"\} 1\n/);
    expect(metrics.text).not.toContain(t.users.admin.id);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });
});

describe('logs', () => {
  it('carry the request id on every line written while serving a request', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const t = await startTestApi({ log: createLogger({ level: 'debug', destination }) });
    try {
      const login = await t.request('/api/auth/login', { method: 'POST', body: { username: 'viewer', password: t.users.viewer.password }, headers: { 'x-request-id': 'req-login-1' } });
      expect(login.status).toBe(200);
      const mine = lines.filter((l) => l.requestId === 'req-login-1');
      expect(mine.map((l) => l.msg)).toEqual(['login', 'request']);
      expect(mine[1]).toMatchObject({ method: 'POST', path: '/api/auth/login', status: 200 });
      expect(JSON.stringify(lines)).not.toContain(t.users.viewer.password);
    } finally {
      await t.close();
    }
  });
});

describe('storage trouble', () => {
  let api: RunningApi;
  let pool: pg.Pool;
  beforeAll(async () => {
    // A real pool to a port nothing listens on: what the API sees when PostgreSQL is down.
    pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    const storage = { pool, typed: () => Promise.reject(new Error('down')), close: () => pool.end() };
    const config = apiConfigSchema.parse({ API_PORT: '0', API_UI_DIR: '/nonexistent' });
    api = await startApi({ config, storage, caps: { timescaledb: false, timescaledbVersion: null, serverVersion: 150_000 }, log: createLogger({ level: 'silent' }), keys: { algorithm: 'HS256', signingKey: 'k'.repeat(32), verifyingKey: 'k'.repeat(32) } });
  });
  afterAll(async () => {
    await api?.close();
    await pool?.end();
  });

  it('answers 503 with Retry-After, on /readyz and on authenticated routes, never 401 or 500', async () => {
    const check = createOpenApiChecker(api.app.openApi);
    const token = signAccessToken({ algorithm: 'HS256', signingKey: 'k'.repeat(32), verifyingKey: 'k'.repeat(32) }, { id: '00000000-0000-4000-8000-000000000000', username: 'a', role: 'admin' });
    for (const [pathname, headers] of [['/readyz', {}], ['/api/users', { authorization: `Bearer ${token}` }], ['/api/me', { authorization: 'Bearer sxt_whatever' }]] as const) {
      const res = await fetch(`${api.url}${pathname}`, { headers });
      const body = (await res.json()) as { code: string };
      expect(res.status, pathname).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(body.code).toBe('STORAGE_UNAVAILABLE');
      expect(check({ method: 'GET', path: pathname, status: res.status, contentType: res.headers.get('content-type'), body })).toEqual([]);
    }
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});
