import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../src/index.ts';
import { createOpenApiChecker } from './openapi-check.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

describe('OpenAPI document', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());

  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const served = await t.request('/api/openapi.json');
    const validator = new Validator();
    const result = await validator.validate(served.body as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every mounted route, with its role, and only those', async () => {
    const doc = (await t.request('/api/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; security: unknown[]; 'x-sextant-role'?: string }>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const mounted = t.app.routes.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    expect(documented.sort()).toEqual([...mounted].sort());
    const ids = t.app.routes.map((r) => r.operationId);
    expect(new Set(ids).size, 'operationIds are unique').toBe(ids.length);
    for (const route of t.app.routes) {
      const op = doc.paths[openApiPath(route.path)]![route.method]!;
      expect(op['x-sextant-role'], route.path).toBe('public' in route.auth ? undefined : route.auth.role);
      expect(op.security.length === 0, route.path).toBe('public' in route.auth);
    }
  });

  it('the response checker catches answers that do not conform', () => {
    const check = createOpenApiChecker(t.app.openApi);
    expect(check({ method: 'GET', path: '/healthz', status: 200, contentType: 'application/json', body: { status: 'ok' } })).toEqual([]);
    expect(check({ method: 'GET', path: '/healthz', status: 200, contentType: 'application/json', body: { status: 'fine' } })).not.toEqual([]);
    expect(check({ method: 'GET', path: '/healthz', status: 418, contentType: 'application/json', body: {} })).not.toEqual([]);
    expect(check({ method: 'GET', path: '/healthz', status: 200, contentType: 'text/html', body: '' })).not.toEqual([]);
    expect(check({ method: 'PUT', path: '/api/me', status: 200, contentType: 'application/json', body: {} })).not.toEqual([]);
    expect(check({ method: 'GET', path: `/api/users/${t.users.admin.id}`, status: 200, contentType: 'application/json', body: { id: 'x' } })).not.toEqual([]);
  });

  it('serves a docs page that needs nothing from another origin', async () => {
    const page = await t.request('/api/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<script src="/api/docs/docs.js">');
    expect(page.text).not.toMatch(/https?:\/\/(?!json-schema)/);
    const script = await t.request('/api/docs/docs.js');
    expect(script.text).toContain("fetch('/api/openapi.json')");
  });
});
