import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ApiError } from '../http/api-error.ts';
import type { OpenApiDocument } from '../openapi/build-openapi.ts';
import { defineRoute } from '../route.ts';
import type { RouteDeps, RouteSpec } from '../route.ts';
import { DOCS_HTML, DOCS_SCRIPT } from './docs-page.ts';

const healthSchema = z.object({ status: z.literal('ok') });

/** `/healthz`, `/readyz`, `/metrics`, `/api/openapi.json` and the docs page. */
export function systemRoutes(deps: RouteDeps & { registry: Registry; openApi: () => OpenApiDocument }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'The process answers',
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'alive', schema: healthSchema } },
      handler: () => Promise.resolve({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'The database answers',
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'ready', schema: healthSchema } },
      handler: async () => {
        try {
          await deps.storage.pool.query('SELECT 1');
        } catch (err) {
          throw new ApiError(503, 'STORAGE_UNAVAILABLE', 'the database does not answer', { cause: err, headers: { 'Retry-After': '5' } });
        }
        return { status: 'ok' as const };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: "The API's own metrics (Prometheus text format)",
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'metrics', contentType: 'text/plain' } },
      handler: async ({ ctx }) => {
        ctx.type = deps.registry.contentType;
        ctx.body = await deps.registry.metrics();
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      operationId: 'openapi',
      summary: 'This document',
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) } },
      handler: () => Promise.resolve(deps.openApi()),
    }),
    defineRoute({
      method: 'get',
      path: '/api/docs',
      operationId: 'docs',
      summary: 'A page that lists every operation of the OpenAPI document',
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
      handler: ({ ctx }) => {
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = DOCS_HTML;
        return Promise.resolve(undefined);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/docs/docs.js',
      operationId: 'docsScript',
      summary: 'Script of the docs page (served here so the page needs nothing from elsewhere)',
      tags: ['system'],
      auth: { public: true },
      responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } },
      handler: ({ ctx }) => {
        ctx.type = 'text/javascript; charset=utf-8';
        ctx.body = DOCS_SCRIPT;
        return Promise.resolve(undefined);
      },
    }),
  ];
}
