import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, roleAtLeast } from '@sextant/auth';
import type { Role, TokenScope } from '@sextant/auth';
import type { RouteSpec } from '../src/index.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

/**
 * Who may call each route: a role, or `public` with the status an anonymous call without input
 * answers. This table is written by hand on purpose: a route that is missing here fails the test,
 * and a route whose declared `auth` differs from its entry fails too.
 */
const EXPECTED: Readonly<Record<string, Role | { public: number }>> = {
  'GET /healthz': { public: 200 },
  'GET /readyz': { public: 200 },
  'GET /metrics': { public: 200 },
  'GET /api/openapi.json': { public: 200 },
  'GET /api/docs': { public: 200 },
  'GET /api/docs/docs.js': { public: 200 },
  'POST /api/auth/login': { public: 400 },
  'POST /api/auth/refresh': { public: 401 },
  'POST /api/auth/logout': { public: 204 },
  'GET /api/me': 'viewer',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'GET /api/users/:id': 'admin',
  'PATCH /api/users/:id': 'admin',
  'DELETE /api/users/:id': 'admin',
  'GET /api/tokens': 'viewer',
  'POST /api/tokens': 'viewer',
  'DELETE /api/tokens/:id': 'viewer',
  'GET /api/servers': 'viewer',
  'GET /api/servers/:id': 'viewer',
  'POST /api/servers': 'operator',
  'PATCH /api/servers/:id': 'operator',
  'PUT /api/servers/:id': 'operator',
  'DELETE /api/servers/:id': 'operator',
  'GET /api/servers/:id/metrics': 'viewer',
  'GET /api/servers/:id/metrics/latest': 'viewer',
  'GET /api/sd/targets': 'viewer',
  'GET /api/v1/query': 'viewer',
  'POST /api/v1/query': 'viewer',
  'GET /api/v1/query_range': 'viewer',
  'POST /api/v1/query_range': 'viewer',
  'GET /api/v1/series': 'viewer',
  'POST /api/v1/series': 'viewer',
  'GET /api/v1/labels': 'viewer',
  'POST /api/v1/labels': 'viewer',
  'GET /api/v1/label/:name/values': 'viewer',
  'GET /api/v1/metadata': 'viewer',
  'GET /api/v1/status/buildinfo': 'viewer',
  'GET /api/v1/query_exemplars': 'viewer',
  'POST /api/v1/query_exemplars': 'viewer',
  'GET /api/v1/rules': 'viewer',
  'GET /api/v1/alerts': 'viewer',
  'GET /api/alert-rules': 'viewer',
  'GET /api/alert-rules/:id': 'viewer',
  'POST /api/alert-rules': 'operator',
  'PUT /api/alert-rules/:id': 'operator',
  'PATCH /api/alert-rules/:id': 'operator',
  'DELETE /api/alert-rules/:id': 'operator',
  'GET /api/alerts': 'viewer',
  'POST /api/alerts/:id/ack': 'operator',
  'GET /api/silences': 'viewer',
  'GET /api/silences/:id': 'viewer',
  'POST /api/silences': 'operator',
  'PUT /api/silences/:id': 'operator',
  'DELETE /api/silences/:id': 'operator',
};

interface Caller {
  name: string;
  /** Undefined: no Authorization header. */
  token: string | undefined;
  /** The role the caller really has, or null when the credential must be refused (401). */
  role: Role | null;
  scopes?: TokenScope[];
}

const key = (route: Pick<RouteSpec, 'method' | 'path'>) => `${route.method.toUpperCase()} ${route.path}`;

function forge(header: object, payload: object, signature = ''): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

describe('authorization matrix', () => {
  let t: TestApi;
  let callers: Caller[];

  beforeAll(async () => {
    t = await startTestApi();
    const admin = t.users.admin;
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: admin.id, name: 'admin', role: 'admin', iss: 'sextant', aud: 'sextant-api' };
    const viewerParts = t.users.viewer.accessToken.split('.');
    const disabled = await t.storage.pool.query<{ id: string }>("INSERT INTO users (username, password_hash, role, disabled) VALUES ('off', $1, 'admin', true) RETURNING id", [
      await hashPassword('disabled-user-password'),
    ]);
    const deletedId = randomUUID();
    callers = [
      { name: 'anonymous', token: undefined, role: null },
      { name: 'expired', token: jwt.sign({ ...claims, iat: now - 3600, exp: now - 60 }, t.keys.signingKey, { algorithm: 'HS256' }), role: null },
      // A viewer's genuine token with its payload rewritten to claim the admin role.
      { name: 'tampered', token: `${viewerParts[0]}.${Buffer.from(JSON.stringify({ ...claims, exp: now + 600 })).toString('base64url')}.${viewerParts[2]}`, role: null },
      { name: 'alg:none', token: forge({ alg: 'none', typ: 'JWT' }, { ...claims, exp: now + 600 }), role: null },
      { name: 'wrong key', token: jwt.sign({ ...claims, exp: now + 600 }, 'another-secret-that-is-long-enough-000', { algorithm: 'HS256' }), role: null },
      { name: 'disabled user', token: jwt.sign({ ...claims, sub: disabled.rows[0]!.id, exp: now + 600 }, t.keys.signingKey, { algorithm: 'HS256' }), role: null },
      { name: 'deleted user', token: jwt.sign({ ...claims, sub: deletedId, exp: now + 600 }, t.keys.signingKey, { algorithm: 'HS256' }), role: null },
      { name: 'unknown API token', token: `sxt_${'A'.repeat(43)}`, role: null },
      { name: 'viewer', token: t.users.viewer.accessToken, role: 'viewer' },
      { name: 'operator', token: t.users.operator.accessToken, role: 'operator' },
      { name: 'admin', token: admin.accessToken, role: 'admin' },
      { name: 'viewer token [read]', token: await t.apiToken('viewer', ['read']), role: 'viewer', scopes: ['read'] },
      { name: 'admin token [read]', token: await t.apiToken('admin', ['read']), role: 'admin', scopes: ['read'] },
      { name: 'admin token [write]', token: await t.apiToken('admin', ['write']), role: 'admin', scopes: ['write'] },
      { name: 'admin token [read,write]', token: await t.apiToken('admin', ['read', 'write']), role: 'admin', scopes: ['read', 'write'] },
      { name: 'admin token [mqtt]', token: await t.apiToken('admin', ['mqtt']), role: 'admin', scopes: ['mqtt'] },
    ];
  });
  afterAll(async () => t?.close());

  it('has an entry for every route, matching what the route declares', () => {
    const missing = t.app.routes.filter((r) => EXPECTED[key(r)] === undefined).map(key);
    expect(missing, 'routes without an entry in EXPECTED (add one, deciding who may call it)').toEqual([]);
    for (const route of t.app.routes) {
      const entry = EXPECTED[key(route)]!;
      expect('public' in route.auth ? 'public' : route.auth.role, key(route)).toBe(typeof entry === 'string' ? entry : 'public');
    }
  });

  it('answers every route × caller as expected', async () => {
    const failures: string[] = [];
    for (const route of t.app.routes) {
      const entry = EXPECTED[key(route)];
      if (entry === undefined) continue;
      const path = route.path.replaceAll(/:([A-Za-z0-9_]+)/g, () => randomUUID());
      for (const caller of callers) {
        const res = await t.request(path, { method: route.method.toUpperCase(), ...(caller.token === undefined ? {} : { token: caller.token }) });
        let expected: string;
        let ok: boolean;
        if (typeof entry !== 'string') {
          expected = String(entry.public);
          ok = res.status === entry.public;
        } else if (caller.role === null) {
          expected = '401';
          ok = res.status === 401 && res.body?.code === 'UNAUTHENTICATED';
        } else if (!roleAtLeast(caller.role, entry)) {
          expected = '403 FORBIDDEN';
          ok = res.status === 403 && res.body?.code === 'FORBIDDEN';
        } else if (caller.scopes !== undefined && !entryLoginOnly(route) && !caller.scopes.includes(scopeOf(route))) {
          expected = '403 INSUFFICIENT_SCOPE';
          ok = res.status === 403 && res.body?.code === 'INSUFFICIENT_SCOPE';
        } else if (caller.scopes !== undefined && entryLoginOnly(route)) {
          expected = '403 LOGIN_REQUIRED';
          ok = res.status === 403 && res.body?.code === 'LOGIN_REQUIRED';
        } else {
          expected = 'allowed (not 401/403, below 500)';
          ok = res.status !== 401 && res.status !== 403 && res.status < 500;
        }
        if (!ok) failures.push(`${key(route)} as ${caller.name}: expected ${expected}, got ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

function entryLoginOnly(route: RouteSpec): boolean {
  return 'loginOnly' in route.auth && route.auth.loginOnly === true;
}

function scopeOf(route: RouteSpec): TokenScope {
  if ('scope' in route.auth && route.auth.scope !== undefined) return route.auth.scope;
  return route.method === 'get' ? 'read' : 'write';
}
