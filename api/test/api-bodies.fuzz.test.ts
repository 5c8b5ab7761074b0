// Every API route that takes a body, from the OpenAPI document the API serves, sent random JSON
// values and near-miss objects: no 5xx for bad input, and every refusal a problem+json with a `code`.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigure } from '../../bench/reliability/record-figure.ts';
import { PROBLEM_CONTENT_TYPE } from '../src/index.ts';
import { startTestApi } from './harness.ts';
import type { TestApi } from './harness.ts';

const RUNS = Math.max(20, Math.round(Number(process.env.SEXTANT_FUZZ_RUNS ?? 2_000) / 40));
const METHODS = ['post', 'put', 'patch'] as const;

interface Operation {
  method: string;
  path: string;
  properties: string[];
}

// Path parameters get values that match no row (a uuid, a number, junk), so nothing is found, and
// nothing the test relies on is deleted.
const pathValue = fc.constantFrom('00000000-0000-4000-8000-000000000000', '1', 'x', '%27%20OR%201=1--', '..%2F..');
// Objects that look like the schema (its property names) with random values, and any JSON at all.
const bodyFor = (op: Operation) =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom(...op.properties, 'extra', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
  );

describe('API bodies under random JSON', () => {
  let api: TestApi;
  let operations: Operation[] = [];
  const statuses = new Map<number, number>();
  let tried = 0;

  beforeAll(async () => {
    api = await startTestApi();
    const doc = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> } }>>;
      components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const content = item[method]?.requestBody?.content;
        if (content === undefined) continue;
        let schema = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
        if (schema?.$ref !== undefined) schema = doc.components?.schemas?.[schema.$ref.split('/').at(-1)!];
        operations.push({ method: method.toUpperCase(), path, properties: Object.keys(schema?.properties ?? {}) });
      }
    }
    // Logging out would end nothing the test needs (it signs its tokens), but keep the admin's session.
    operations = operations.filter((op) => op.path !== '/api/auth/logout');
  });

  afterAll(async () => {
    recordFigure({ suite: 'fuzz', name: `API bodies (${operations.length} operations with a body)`, value: tried, unit: 'cases' });
    recordFigure({ suite: 'fuzz', name: 'API answers by status', value: [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ') });
    await api?.close();
  });

  it('finds the routes with a body in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(8);
    expect(operations.map((op) => `${op.method} ${op.path}`)).toContain('POST /api/auth/login');
  });

  it('answers every random body below 500, refusals as problem+json with a code', async () => {
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(bodyFor(op), pathValue, fc.boolean(), async (body, id, raw) => {
          tried++;
          const path = op.path.replace(/\{[^}]+\}/g, id);
          // Half the time the JSON text itself is cut short: a body that does not parse.
          const text = JSON.stringify(body) ?? 'null';
          const res = await fetch(`${api.url}${path}`, {
            method: op.method,
            headers: { authorization: `Bearer ${api.users.admin.accessToken}`, 'content-type': 'application/json' },
            body: raw ? text.slice(0, Math.max(1, text.length - 1)) : text,
          });
          const answer = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `${op.method} ${path} ${text.slice(0, 300)} → ${answer.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400 && op.path.startsWith('/api/v1/') && !res.headers.get('content-type')!.includes(PROBLEM_CONTENT_TYPE)) {
            // The Prometheus-compatible API answers in Prometheus's error envelope (a body that is not
            // even JSON is refused before it, as a problem).
            const envelope = JSON.parse(answer) as { status?: unknown; errorType?: unknown; error?: unknown };
            expect(envelope, `${op.method} ${path}`).toMatchObject({ status: 'error', errorType: expect.any(String), error: expect.any(String) });
          } else if (res.status >= 400) {
            expect(res.headers.get('content-type'), `${op.method} ${path} → ${answer.slice(0, 200)}`).toContain(PROBLEM_CONTENT_TYPE);
            const problem = JSON.parse(answer) as { code?: unknown; detail?: unknown; title?: unknown };
            expect(typeof problem.code, answer).toBe('string');
          }
        }),
        { numRuns: RUNS },
      );
    }
    expect(tried).toBeGreaterThanOrEqual(operations.length * RUNS);
  }, 300_000);

  it('answers non-JSON media types and oversized bodies with a 4xx problem', async () => {
    for (const op of operations.slice(0, 5)) {
      const path = op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const [type, body] of [['text/plain', 'hello'], ['application/xml', '<a/>'], ['application/json', 'x'.repeat(2 * 1_048_576)]] as const) {
        const res = await fetch(`${api.url}${path}`, { method: op.method, headers: { authorization: `Bearer ${api.users.admin.accessToken}`, 'content-type': type }, body });
        tried++;
        await res.arrayBuffer();
        expect(res.status, `${op.method} ${path} as ${type}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
  });
});
